"""A citizen's last few minutes of messages, kept briefly in Redis so that a
consultation opened by "人工" holds the question they actually asked.

Written while the reply is worked out (``citizen_state.glance``, in the one Redis
request that also reads the conversation's context), without the webhook's dedup
claim: the write is idempotent (a sorted-set member named by the message's own
MsgId, added only if absent), so WeChat's retried copies of a message store it
once. The same request reads the marker that says the citizen may have an open
consultation, which later messages must join.

Both keys live under the citizen's hashed-openid session namespace, so
unsubscribing erases them with the rest (``subscribers.forget``).

While Redis is down (wechat_bot/redis_health.py) this degrades: nothing is
buffered, every message is treated as possibly joining an open consultation
(the database then decides), and a new consultation holds only its own message.

A missing marker would silently keep a citizen's later messages out of their open
consultation, so the markers are trusted only while one more key says they are
complete (``markers_complete_key``). ``restore_markers`` writes every open
consultation's marker from the database and then that key. Redis losing its data
(a restart without persistence, a flush) loses the key with the markers; a marker
missed while Redis was down, or lost in a restart from an older snapshot, makes the
webhook drop the key (``citizen_state.glance``, on ``RedisHealth.writes_in_doubt``).
Without the key every message is treated as possibly joining one until the markers
are restored.
"""
from __future__ import annotations

import json
import logging
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import redis

from ..store import Store
from .subscribers import session_key

log = logging.getLogger(__name__)

WINDOW = timedelta(minutes=10)
WINDOW_SECONDS = int(WINDOW.total_seconds())
MAX_TEXT = 600
MARKER_DAYS = 365


@dataclass(frozen=True)
class Recent:
    key: str
    at: datetime
    text: str
    source: str  # text | voice


# json.dumps with an option builds an encoder for every call; this one is made once.
_MEMBER_JSON = json.JSONEncoder(ensure_ascii=False)


def member(message_key: str, text: str, source: str) -> str:
    """A message as the buffer holds it (the webhook's ``citizen_state.glance`` writes it too)."""
    return _MEMBER_JSON.encode({"k": message_key, "text": text[:MAX_TEXT], "source": source})


def recent(store: Store, openid: str, now: datetime, *, exclude: str = "") -> list[Recent]:
    """The citizen's messages of the last ten minutes, oldest first."""
    low = (now - WINDOW).timestamp()
    if not store.health.available():
        return []
    try:
        found = store.redis.zrangebyscore(session_key(store, openid, "recent"), low, "+inf", withscores=True)
    except redis.RedisError as exc:
        store.health.failed(exc)
        return []
    return from_buffer(found, exclude=exclude)


def from_buffer(found: Iterable[tuple[bytes | str, float]], *, exclude: str = "") -> list[Recent]:
    """The buffer's (member, score) pairs as messages, oldest first, without ``exclude``."""
    items = []
    for raw, score in found:
        data = json.loads(raw)
        if data["k"] != exclude:
            items.append(Recent(data["k"], datetime.fromtimestamp(float(score), UTC), str(data["text"]),
                                str(data["source"])))
    return items


def markers_complete_key(store: Store) -> str:
    return store.key("consultation-markers", "complete")


def restore_markers(store: Store, open_openids: Callable[[], Iterable[str]]) -> frozenset[str] | None:
    """Set the marker of every citizen ``open_openids()`` names (those with an open
    consultation, read from the database), then the key that says the markers are
    complete; those citizens. One process does it at a time (a short Redis lock): None
    when another is doing it. A Redis or database error is raised, the markers staying
    untrusted."""
    lock = store.key("consultation-markers", "restoring")
    if not store.redis.set(lock, str(os.getpid()), nx=True, ex=60):
        return None
    try:
        openids = frozenset(open_openids())
        writes = store.redis.pipeline(transaction=False)
        for openid in openids:
            writes.execute_command(*_marker_command(store, openid, True))
        writes.set(markers_complete_key(store), "1")
        writes.execute()
    finally:
        store.redis.delete(lock)
    log.info("consultation markers restored for %d citizen(s) with an open consultation", len(openids))
    return openids


def mark_open(store: Store, openid: str, is_open: bool, send_later: Callable[..., Any] | None = None) -> None:
    """The marker ``remember`` reads: set when a consultation opens, cleared once none is open.

    With ``send_later`` the write need not wait for Redis's acknowledgement: it is idempotent,
    and the citizen's next message, on whichever worker, reaches Redis after it. While Redis
    is down nothing is written, and the glance answers "maybe open"."""
    store.write(*_marker_command(store, openid, is_open), send_later=send_later)


def _marker_command(store: Store, openid: str, is_open: bool) -> tuple[Any, ...]:
    key = session_key(store, openid, "consultation")
    return ("SET", key, "1", "EX", MARKER_DAYS * 86400) if is_open else ("DEL", key)

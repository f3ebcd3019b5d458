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
"""
from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import redis

from ..store import Store
from .subscribers import session_key

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


def member(message_key: str, text: str, source: str) -> str:
    """A message as the buffer holds it (the webhook's ``citizen_state.glance`` writes it too)."""
    return json.dumps({"k": message_key, "text": text[:MAX_TEXT], "source": source}, ensure_ascii=False)


def recent(store: Store, openid: str, now: datetime, *, exclude: str = "") -> list[Recent]:
    """The citizen's messages of the last ten minutes, oldest first."""
    low = (now - WINDOW).timestamp()
    items = []
    if not store.health.available():
        return items
    try:
        found = store.redis.zrangebyscore(session_key(store, openid, "recent"), low, "+inf", withscores=True)
    except redis.RedisError as exc:
        store.health.failed(exc)
        return items
    for raw, score in found:
        data = json.loads(raw)
        if data["k"] != exclude:
            items.append(Recent(data["k"], datetime.fromtimestamp(score, UTC), str(data["text"]), str(data["source"])))
    return items


def mark_open(store: Store, openid: str, is_open: bool, send_later: Callable[..., Any] | None = None) -> None:
    """The marker ``remember`` reads: set when a consultation opens, cleared once none is open.

    With ``send_later`` the write need not wait for Redis's acknowledgement: it is idempotent,
    and the citizen's next message, on whichever worker, reaches Redis after it. While Redis
    is down nothing is written, and the glance answers "maybe open"."""
    key = session_key(store, openid, "consultation")
    command = ("SET", key, "1", "EX", MARKER_DAYS * 86400) if is_open else ("DEL", key)
    store.write(*command, send_later=send_later)

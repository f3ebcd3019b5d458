"""A citizen's last few minutes of messages, kept briefly in Redis so that a
consultation opened by "人工" holds the question they actually asked.

Written while the reply is worked out, without the webhook's dedup claim: the
write is idempotent (a sorted-set member named by the message's own MsgId, added
only if absent), so WeChat's retried copies of a message store it once, and the
busiest path (a question a guide answers) costs one Redis round trip, no claim.
The same round trip reads the marker that says the citizen may have an open
consultation, which later messages must join.

Both keys live under the citizen's hashed-openid session namespace, so
unsubscribing erases them with the rest (``subscribers.forget``).

While Redis is down (wechat_bot/redis_health.py) this degrades: nothing is
buffered, every message is treated as possibly joining an open consultation
(the database then decides), and a new consultation holds only its own message.
"""
from __future__ import annotations

import json
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


def remember(store: Store, openid: str, message_key: str, text: str, source: str, now: datetime,
             *, pipe: Any = None) -> bool:
    """Keep this message for ten minutes; True when the citizen may have an open consultation.

    With ``pipe`` (the webhook's dedup connection, ``dedup._Pipe``) the four commands go in
    one socket write and only the marker's answer is waited for; the writes are
    acknowledged on the connection's next use.
    """
    if not store.health.available():
        return True  # unknown while Redis is down: the database says whether one is open
    try:
        may_be_open = _remember(store, openid, message_key, text, source, now, pipe)
    except redis.RedisError as exc:
        if pipe is not None:
            pipe.reset()
        store.health.failed(exc)
        return True
    store.health.succeeded()
    return may_be_open


def member(message_key: str, text: str, source: str) -> str:
    """A message as the buffer holds it (the webhook's ``citizen_state.glance`` writes it too)."""
    return json.dumps({"k": message_key, "text": text[:MAX_TEXT], "source": source}, ensure_ascii=False)


def _remember(store: Store, openid: str, message_key: str, text: str, source: str, now: datetime,
              pipe: Any) -> bool:
    key = session_key(store, openid, "recent")
    marker = session_key(store, openid, "consultation")
    ts = now.timestamp()
    writes = [("ZADD", key, "NX", ts, member(message_key, text, source)),
              ("ZREMRANGEBYSCORE", key, "-inf", ts - WINDOW_SECONDS), ("EXPIRE", key, WINDOW_SECONDS)]
    if pipe is not None:
        return bool(pipe.ask_then_write(("EXISTS", marker), *writes))
    batch = store.redis.pipeline(transaction=False)
    for command in writes:
        batch.execute_command(*command)
    batch.exists(marker)
    return bool(batch.execute()[-1])


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


def mark_open(store: Store, openid: str, is_open: bool) -> None:
    """The marker ``remember`` reads: set when a consultation opens, cleared once none is open."""
    key = session_key(store, openid, "consultation")
    if not store.health.available():
        return
    try:
        if is_open:
            store.redis.set(key, "1", ex=MARKER_DAYS * 86400)
        else:
            store.redis.delete(key)
    except redis.RedisError as exc:  # remember() answers "maybe open" while Redis is down
        store.health.failed(exc)

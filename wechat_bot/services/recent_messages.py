"""A citizen's last few minutes of messages, kept briefly in Redis so that a
consultation opened by "人工" holds the question they actually asked.

The key lives under the citizen's hashed-openid session namespace, so
unsubscribing erases it with the rest (``subscribers.forget``).
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta

from ..store import Store
from .subscribers import session_key

WINDOW = timedelta(minutes=10)
MAX_ITEMS = 20
MAX_TEXT = 600


@dataclass(frozen=True)
class Recent:
    at: datetime
    text: str
    source: str  # text | voice


def remember(store: Store, openid: str, text: str, source: str, now: datetime) -> None:
    key = session_key(store, openid, "recent")
    item = json.dumps({"at": now.isoformat(), "text": text[:MAX_TEXT], "source": source}, ensure_ascii=False)
    pipe = store.redis.pipeline(transaction=False)
    pipe.rpush(key, item)
    pipe.ltrim(key, -MAX_ITEMS, -1)
    pipe.expire(key, int(WINDOW.total_seconds()))
    pipe.execute()


def recent(store: Store, openid: str, now: datetime) -> list[Recent]:
    """The citizen's messages of the last ten minutes, oldest first."""
    items = []
    for raw in store.redis.lrange(session_key(store, openid, "recent"), 0, -1):
        data = json.loads(raw)
        at = datetime.fromisoformat(data["at"])
        if now - at <= WINDOW:
            items.append(Recent(at, str(data["text"]), str(data.get("source", "text"))))
    return items

"""A citizen's short-lived conversation state in Redis: the list of guides we
just offered, so that their next message "2" picks the second one.

While Redis is down the session degrades (wechat_bot/redis_health.py): no
list is remembered, and a bare number gets the help text."""
from __future__ import annotations

from collections.abc import Sequence

import redis

from ..store import Store
from .subscribers import session_key

CHOICES_TTL_SECONDS = 10 * 60


def pending_choices(store: Store, openid: str) -> list[str]:
    if not store.health.available():
        return []
    try:
        raw = store.redis.get(session_key(store, openid, "choices"))
    except redis.RedisError as exc:
        store.health.failed(exc)
        return []
    store.health.succeeded()
    return raw.decode("utf-8").split(",") if raw else []


def remember_choices(store: Store, openid: str, guide_ids: Sequence[str]) -> None:
    if not store.health.available():
        return
    key = session_key(store, openid, "choices")
    try:
        if guide_ids:
            store.redis.set(key, ",".join(guide_ids), ex=CHOICES_TTL_SECONDS)
        else:
            store.redis.delete(key)
    except redis.RedisError as exc:
        store.health.failed(exc)
        return
    store.health.succeeded()

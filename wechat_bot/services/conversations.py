"""A citizen's short-lived conversation state in Redis: the list of guides we
just offered, so that their next message "2" picks the second one."""
from __future__ import annotations

from collections.abc import Sequence

from ..store import Store
from .subscribers import session_key

CHOICES_TTL_SECONDS = 10 * 60


def pending_choices(store: Store, openid: str) -> list[str]:
    raw = store.redis.get(session_key(store, openid, "choices"))
    return raw.decode("utf-8").split(",") if raw else []


def remember_choices(store: Store, openid: str, guide_ids: Sequence[str]) -> None:
    key = session_key(store, openid, "choices")
    if guide_ids:
        store.redis.set(key, ",".join(guide_ids), ex=CHOICES_TTL_SECONDS)
    else:
        store.redis.delete(key)

"""A citizen's short-lived conversation state in Redis: the list of guides we
just offered, so that their next message "2" picks the second one; and the guide
(or emergency) they were last answered with, for their follow-ups (``dialogue``).

While Redis is down the session degrades (wechat_bot/redis_health.py): no
list or context is remembered, a bare number gets the help text, and every
message is answered on its own."""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import redis

from ..store import Store
from .guide_emergency import Emergency
from .subscribers import session_key

CHOICES_TTL_SECONDS = 10 * 60
CONTEXT_SECONDS = 10 * 60


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


@dataclass(frozen=True)
class Recall:
    """What the conversation remembers: the last guide (and part), or the last emergency."""

    at: float                      # when, seconds since the epoch (the injected clock)
    guide_id: str | None = None
    section: str | None = None
    alarm: Emergency | None = None

    def encode(self) -> str:
        alarm = f"{self.alarm.kind}:{','.join(self.alarm.numbers)}" if self.alarm else ""
        return f"{self.at:.0f}|{self.guide_id or ''}|{self.section or ''}|{alarm}"

    @classmethod
    def decode(cls, raw: str) -> "Recall | None":
        try:
            at, guide_id, section, alarm = raw.split("|")
            emergency = None
            if alarm:
                kind, _, numbers = alarm.partition(":")
                emergency = Emergency(tuple(numbers.split(",")), kind)
            return cls(float(at), guide_id or None, section or None, emergency)
        except ValueError:
            return None

    def live(self, now: float) -> bool:
        return 0 <= now - self.at < CONTEXT_SECONDS


class Memory(Protocol):
    def recall(self) -> Recall | None: ...
    def keep(self, recall: Recall) -> None: ...


class RedisMemory:
    """One citizen's context in Redis, beside the offered choices."""

    def __init__(self, store: Store, openid: str, send_later: Callable[..., Any] | None = None) -> None:
        self.store = store
        self.key = session_key(store, openid, "context")
        self.send_later = send_later

    # The context is a convenience: with Redis unreachable a message is answered on its own.
    # (An outage is logged once, by store.health, not once per message.)
    def recall(self) -> Recall | None:
        if not self.store.health.available():
            return None
        try:
            raw = self.store.redis.get(self.key)
        except redis.RedisError as exc:
            self.store.health.failed(exc)
            return None
        self.store.health.succeeded()
        return Recall.decode(raw.decode("utf-8")) if raw else None

    def keep(self, recall: Recall) -> None:
        # Redis's own expiry only clears the key; whether it is live is judged by ``at``.
        self.store.write("SET", self.key, recall.encode(), "EX", CONTEXT_SECONDS, send_later=self.send_later)


class LocalMemory:
    """The same, in memory: `guides ask --as` answering one citizen's lines in order."""

    def __init__(self) -> None:
        self.value: Recall | None = None
        self.choices: list[str] = []

    def recall(self) -> Recall | None:
        return self.value

    def keep(self, recall: Recall) -> None:
        self.value = recall

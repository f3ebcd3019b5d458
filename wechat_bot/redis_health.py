"""Redis going away must not cost a citizen an answer.

Guide answers need no Redis; what needs it degrades: deduplication of
WeChat's retries (side effects then run on each delivery that reaches us, so
a consultation is never lost) and the offered-list session (a bare "1" then
gets the help text). The outage is logged once, and once more when Redis
answers again. While it is down, Redis is tried again only every
``retry_after`` seconds, so an unreachable server costs no request a timeout.

A failure, or a connection that had to be made afresh (Redis restarted, perhaps
from an older snapshot or with nothing), also means writes may have been missed
or lost: ``writes_in_doubt`` tells the one caller that must then check its keys
(the consultation markers, ``recent_messages``).
"""
from __future__ import annotations

import logging
import threading
import time

log = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 5.0


class RedisHealth:
    def __init__(self, retry_after: float = RETRY_AFTER_SECONDS) -> None:
        self.retry_after = retry_after
        self._down_since: float | None = None
        self._next_try = 0.0
        self._lock = threading.Lock()
        self._doubt = False

    @property
    def down(self) -> bool:
        return self._down_since is not None

    def available(self) -> bool:
        """False while Redis is known to be down and it is not yet time to try again."""
        return self._down_since is None or time.monotonic() >= self._next_try

    def failed(self, exc: BaseException) -> None:
        self._doubt = True
        with self._lock:
            self._next_try = time.monotonic() + self.retry_after
            if self._down_since is None:
                self._down_since = time.monotonic()
                log.warning("Redis 不可用（%s）：消息去重和会话暂停，办事指南照常回答", type(exc).__name__)

    def reconnected(self) -> None:
        """A connection broke and was made again at once: Redis may have restarted."""
        self._doubt = True

    @property
    def in_doubt(self) -> bool:
        """``writes_in_doubt`` without taking the answer (a reconnection just now)."""
        return self._doubt

    def writes_in_doubt(self) -> bool:
        """Whether a write may have been missed or lost since the last time this said so
        (once per failure or reconnection; it starts out False)."""
        if not self._doubt:  # every text message asks: no lock in the usual case
            return False
        with self._lock:
            doubt, self._doubt = self._doubt, False
        return doubt

    def succeeded(self) -> None:
        if self._down_since is None:
            return
        with self._lock:
            if self._down_since is not None:
                log.warning("Redis 已恢复（中断约 %.0f 秒），消息去重和会话恢复", time.monotonic() - self._down_since)
                self._down_since = None

"""Answer WeChat's retried deliveries once.

WeChat re-sends a message when it has no answer within 5 s, three tries in all,
and a retry can arrive while the first delivery is still being handled. The
first delivery claims the key and stores its rendered reply; every copy gets
that same reply, and side effects run once. Keys (after WxJava, which added
FromUserName and CreateTime when MsgId alone collided): messages
MsgId+FromUserName+CreateTime, events FromUserName+CreateTime+Event+EventKey.
"""
from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Mapping
from typing import Any

from .store import Store

PENDING = b"\x00pending"
DONE = b"\x01"
TTL_SECONDS = 120
# A retry waits at most this long for the first delivery's reply: below WeChat's
# own 5-second limit, so the waiting copy still answers in time.
WAIT_SECONDS = 4.5


def delivery_key(message: Mapping[str, Any]) -> str:
    source = str(message.get("FromUserName", ""))
    created = str(message.get("CreateTime", ""))
    msg_id = message.get("MsgId") or message.get("MsgID")
    if msg_id and str(message.get("MsgType", "")).lower() != "event":
        parts = ["m", str(msg_id), source, created]
    else:
        parts = ["e", source, created, str(message.get("Event", "")), str(message.get("EventKey", ""))]
    return hashlib.sha1("|".join(parts).encode("utf-8")).hexdigest()


class Deduplicator:
    def __init__(
        self,
        store: Store,
        *,
        ttl: int = TTL_SECONDS,
        wait: float = WAIT_SECONDS,
        poll: float = 0.01,
    ) -> None:
        self.store = store
        self.ttl = ttl
        self.wait = wait
        self.poll = poll

    def once(self, key: str, produce: Callable[[], str]) -> str:
        """Run ``produce`` for the first delivery; later copies get its result.

        Returns "" when the first delivery has not finished within ``wait``;
        the caller answers ``success`` then, which WeChat accepts silently.
        """
        redis = self.store.redis
        rkey = self.store.key("dedup", key)
        if redis.set(rkey, PENDING, nx=True, ex=self.ttl):
            reply = ""
            try:
                reply = produce()
            finally:
                redis.set(rkey, DONE + reply.encode("utf-8"), ex=self.ttl)
            return reply
        return self._wait_for(rkey)

    def _wait_for(self, rkey: str) -> str:
        deadline = time.monotonic() + self.wait
        while True:
            value = self.store.redis.get(rkey)
            if value is None or value.startswith(DONE):
                return (value or DONE)[1:].decode("utf-8")
            if time.monotonic() >= deadline:
                return ""
            time.sleep(self.poll)

"""Answer WeChat's retried deliveries once.

WeChat re-sends a message when it has no answer within 5 s, three tries in all,
and a retry can arrive while the first delivery is still being handled. Every
copy must get the same reply, and side effects must run once. Keys (after
WxJava, which added FromUserName and CreateTime when MsgId alone collided):
messages MsgId+FromUserName+CreateTime, events FromUserName+CreateTime+Event+EventKey.

How: handlers never act inline; they ``ctx.defer`` their side effects and
return the reply. A message whose handler deferred nothing (most of them: a
guide answer, the welcome text) is answered at once, since every copy works
out the same reply (the webhook renders it with the message's own CreateTime).
Only a message with side effects takes a claim:
1. ``claim()`` sends ``SET key PENDING NX EX 120`` without waiting for the answer;
2. meanwhile the reply is encrypted;
3. ``Claim.won()`` reads the claim's answer;
4. the winner runs the side effects, once, and ``store()``s the final reply
   without waiting for Redis's acknowledgement; a loser ``wait()``s for the
   winner's stored reply and answers with it.
A claim names its owner (host and pid). If the owner was killed mid-request
(a gunicorn worker past its timeout, the OOM killer), the waiting retry on the
same host sees the process gone, takes the claim over (compare-and-set) and
handles the message itself, so WeChat's retry still gets the right answer.
A blocking Redis round trip per message cost a third of the webhook's
throughput under gunicorn's sync workers (bench/webhook_load.py).
"""
from __future__ import annotations

import hashlib
import logging
import os
import socket
import threading
import time
import weakref
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

import hiredis
import redis as redis_lib

from .store import Store, track

log = logging.getLogger(__name__)

PENDING = b"\x00pending"
OWNER = f"{socket.gethostname()}:{{pid}}"
TAKEN_OVER = None  # Claim.wait(): the owner died; this delivery now holds the claim
_TAKE_OVER = """
if redis.call('get', KEYS[1]) == ARGV[1] then
  redis.call('set', KEYS[1], ARGV[2], 'EX', ARGV[3]) return 1
end
return 0
"""
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
        # Job-finished events come from one system sender and can share a second: the job's id tells them apart.
        info = message.get("PublishEventInfo")
        job = info.get("publish_id") if isinstance(info, dict) else msg_id
        if job:
            parts.append(str(job))
    return hashlib.sha1("|".join(parts).encode("utf-8")).hexdigest()


_SKIP_REPLY = ("CLIENT", "REPLY", "SKIP")


def _skips_replies(conn: Any) -> bool:
    """Whether the server honours CLIENT REPLY SKIP (Redis 3.2 and later; some proxies refuse
    CLIENT): asked once per connection, since a refused SKIP would leave a reply nobody reads."""
    conn.send_packed_command(pack([_SKIP_REPLY, ("ECHO", "skipped"), ("ECHO", "read")]))
    try:
        return bool(conn.read_response() == b"read")
    except redis_lib.ResponseError:  # refused: the two echoes follow
        conn.read_response()
        conn.read_response()
        return False


def pack(commands: list[tuple[Any, ...]]) -> list[bytes]:
    """Commands in Redis's wire format, by hiredis's C packer (str as UTF-8, numbers as text),
    as one chunk for ``send_packed_command``: redis-py's own packing, argument by argument
    in Python, cost the webhook more than the round trip it prepares."""
    return [b"".join(hiredis.pack_command(command) for command in commands)]


T = TypeVar("T")


class _Pipe:
    """One connection per thread whose acknowledgements may be read later."""

    def __init__(self, client: redis_lib.Redis, on_reconnect: Callable[[], None] = lambda: None) -> None:
        self.client = client
        self.on_reconnect = on_reconnect
        self.local = threading.local()
        self.made: weakref.WeakSet[Any] = weakref.WeakSet()

    def close(self) -> None:
        """Disconnect every thread's connection (an app being torn down)."""
        for conn in list(self.made):
            conn.disconnect()

    def connection(self) -> Any:
        conn = getattr(self.local, "conn", None)
        if conn is None:
            # Made beside the pool, not from it: the pool's count of connections it made
            # (at most 100 in redis-py 8) never gets this one back, since the thread keeps it.
            pool = self.client.connection_pool
            conn = track(pool.connection_class(**pool.connection_kwargs))
            self.made.add(conn)
            skips = _skips_replies(conn)
            self.local.conn, self.local.owed, self.local.skips = conn, 0, skips
        while self.local.owed:  # acknowledgements of earlier fire-and-forget writes
            self.local.owed -= 1
            conn.read_response()
        return conn

    def send(self, *args: Any) -> Any:
        """Send one command; its reply is read by whoever holds the returned connection."""
        return self._send([args])

    def send_later(self, *args: Any) -> None:
        """Send a write whose outcome nobody waits for: Redis is told to skip its reply
        (CLIENT REPLY SKIP), so no acknowledgement has to be read back later; a server
        without that command (a proxy) acknowledges, and the reply is read on next use."""
        self._send([args], later=True)

    def _send(self, commands: list[tuple[Any, ...]], *, later: bool = False) -> Any:
        def write(conn: Any) -> Any:
            if later and self.local.skips:  # SKIP covers the one command after it
                conn.send_packed_command(pack([c for command in commands for c in (_SKIP_REPLY, command)]))
            else:
                conn.send_packed_command(pack(commands))
            return conn

        conn = self._on_connection(write)
        if later and not self.local.skips:
            self.local.owed += len(commands)
        return conn

    def ask_many(self, questions: list[tuple[Any, ...]]) -> list[Any]:
        """One socket write, one wait: the questions' answers, in order. An error reply raises
        (a RedisError): the caller must ``reset()``."""
        return self.exchange([(question, True) for question in questions])

    def exchange(self, commands: list[tuple[tuple[Any, ...], bool]]) -> list[Any]:
        """One socket write, one wait: ``commands`` in order, each with whether its answer is
        wanted; the wanted answers, in order. The others are writes nobody waits for: Redis
        skips their replies (CLIENT REPLY SKIP), or, where it cannot, they are read and
        dropped here. An error reply raises (a RedisError): the caller must ``reset()``."""
        def ask(conn: Any) -> list[Any]:
            skips = self.local.skips
            packed: list[tuple[Any, ...]] = []
            for command, wanted in commands:
                packed += [command] if wanted or not skips else [_SKIP_REPLY, command]
            conn.send_packed_command(pack(packed))
            answers = []
            for _, wanted in commands:
                if wanted or not skips:
                    answer = conn.read_response()
                    if wanted:
                        answers.append(answer)
            return answers

        return self._on_connection(ask)

    def _on_connection(self, use: Callable[[Any], T]) -> T:
        """``use`` on this thread's connection; once more on a fresh one (Redis restarted, say)."""
        for attempt in (1, 2):
            try:
                return use(self.connection())
            except redis_lib.ConnectionError:
                self.reset()
                if attempt == 2:
                    raise
                self.on_reconnect()
        raise AssertionError("unreachable")

    def reset(self) -> None:
        conn = getattr(self.local, "conn", None)
        if conn is not None:
            conn.disconnect()
        self.local.conn, self.local.owed, self.local.skips = None, 0, False


class Claim:
    """One delivery's claim on a message: sent at once, its answer read later."""

    def __init__(self, dedup: "Deduplicator", rkey: str, conn: Any) -> None:
        self.dedup = dedup
        self.rkey = rkey
        self._conn = conn
        self._won: bool | None = None

    def won(self) -> bool:
        """Whether this delivery is the one that handles the message."""
        if self._won is None:
            try:
                self._won = bool(self._conn.read_response())
            except redis_lib.ConnectionError:
                self.dedup.pipe.reset()
                raise
        return self._won

    def store(self, reply: str) -> None:
        """Keep the final reply for the other copies (no wait for Redis's acknowledgement)."""
        try:
            self.dedup.pipe.send_later("SET", self.rkey, DONE + reply.encode("utf-8"), "EX", self.dedup.ttl)
        except redis_lib.RedisError as exc:  # a retry will run the effects again: degraded, not lost
            self.dedup.pipe.reset()
            self.dedup.store.health.failed(exc)

    def wait(self) -> str | None:
        """The winner's reply; "" when it has not finished within ``wait`` seconds
        (or Redis went away meanwhile); None (TAKEN_OVER) when the winner's process
        died and this delivery took the claim over: run the effects and store()."""
        return self.dedup.wait_for(self.rkey)


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
        self.pipe = _Pipe(store.redis, store.health.reconnected)

    def claim(self, key: str) -> Claim:
        """Send ``SET key PENDING NX`` now; ask ``Claim.won()`` when the answer is needed."""
        rkey = self.store.key("dedup", key)
        return Claim(self, rkey, self.pipe.send("SET", rkey, _pending(), "NX", "EX", self.ttl))

    def wait_for(self, rkey: str) -> str | None:
        deadline = time.monotonic() + self.wait
        while True:
            try:
                value = self.store.redis.get(rkey)
            except redis_lib.RedisError as exc:
                self.store.health.failed(exc)
                return ""
            if value is None or value.startswith(DONE):
                return (value or DONE)[1:].decode("utf-8")
            if _owner_gone(value) and self.store.redis.eval(_TAKE_OVER, 1, rkey, value, _pending(), self.ttl):
                log.warning("took over a message whose first delivery's process died")
                return TAKEN_OVER
            if time.monotonic() >= deadline:
                return ""
            time.sleep(self.poll)


def _pending() -> bytes:
    return PENDING + b"|" + OWNER.format(pid=os.getpid()).encode()


def _owner_gone(value: bytes) -> bool:
    """True when the claim's owner ran on this host and that process no longer exists."""
    host, _, pid = value[len(PENDING) + 1:].decode("utf-8", "replace").rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return False  # unknown owner, or another machine: wait for it as before
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except OSError:
        return False
    return False

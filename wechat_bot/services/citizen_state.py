"""What the webhook reads about a citizen before answering, in one Redis round trip.

A text message needs up to three small facts from Redis: the conversation's context
(``conversations``: the guide or emergency last answered), the list of guides offered
last time (only when the message looks like a pick such as "2"), and whether a
consultation may be open (``recent_messages``' marker, trusted only while the markers
are known to be complete). The message also goes into the
ten-minute buffer. Asked one by one these were two or three blocking round trips per
message, which cost the webhook more than matching the question; here they are one
script (``_GLANCE``), one request on the thread's pipe (``dedup._Pipe``) and one reply.

While Redis is down (wechat_bot/redis_health.py) nothing is read: no context, no choices,
and "maybe open", so the database decides, exactly as each piece degrades on its own.
"""
from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import redis

from ..store import Store
from . import recent_messages
from .conversations import CONTEXT_SECONDS, Recall, RedisMemory
from .dialogue import KeepAhead
from .subscribers import session_key


@dataclass(frozen=True)
class Glance:
    context: Recall | None = None
    choices: list[str] = field(default_factory=list)
    may_be_open: bool = True
    markers_lost: bool = False  # the consultation markers are not known to be complete
    marked: bool = False  # this citizen's marker, as Redis has it
    kept: Recall | None = None  # the context written in the same round trip


# Reads the facts and buffers the message in one command, so the webhook's busiest path
# sends one request and reads one reply (the writes' acknowledgements were one more
# reply each). ARGV[5], when not empty, is the new context, written after the old one is
# read: always when ARGV[7] is "1", else only when the citizen had no context, so that the
# context of a clear question or of a first message costs no write of its own; the fifth
# value returned says whether it was written. The consultation marker counts only while
# the markers are known to be complete (recent_messages); ARGV[4] "1" first drops that knowledge.
_GLANCE = """
if ARGV[4] == '1' then redis.call('DEL', KEYS[4]) end
local context = redis.call('GET', KEYS[1])
local open = redis.call('EXISTS', KEYS[2])
local complete = redis.call('EXISTS', KEYS[4])
redis.call('ZADD', KEYS[3], 'NX', ARGV[1], ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', ARGV[1] - ARGV[3])
redis.call('EXPIRE', KEYS[3], ARGV[3])
local choices = false
if #KEYS > 4 then choices = redis.call('GET', KEYS[5]) end
local kept = 0
if ARGV[5] ~= '' and (ARGV[7] == '1' or not context) then
  redis.call('SET', KEYS[1], ARGV[5], 'EX', ARGV[6])
  kept = 1
end
return {context, open, choices, complete, kept}
"""
_GLANCE_SHA = hashlib.sha1(_GLANCE.encode()).hexdigest()


def glance(store: Store, pipe: Any, openid: str, *, message_key: str, text: str, source: str,
           now: datetime, want_choices: bool, keep: KeepAhead | None = None) -> Glance:
    """Read the context (and the offered choices when ``want_choices``) and the marker, and
    buffer the message, in one round trip; and, with ``keep``, write the new context after
    reading the old one (unless the citizen had one and ``keep`` holds only without)."""
    if not store.health.available():
        return Glance()
    keys = [session_key(store, openid, "context"), session_key(store, openid, "consultation"),
            session_key(store, openid, "recent"), recent_messages.markers_complete_key(store)]
    if want_choices:
        keys.append(session_key(store, openid, "choices"))
    in_doubt = store.health.writes_in_doubt()
    args = [now.timestamp(), recent_messages.member(message_key, text, source), recent_messages.WINDOW_SECONDS,
            1 if in_doubt else 0, keep.recall.encode() if keep is not None else "", CONTEXT_SECONDS,
            1 if keep is not None and keep.always else 0]
    try:
        try:
            (reply,) = pipe.ask_many([("EVALSHA", _GLANCE_SHA, len(keys), *keys, *args)])
        except redis.exceptions.NoScriptError:  # first use since Redis started: send the script itself
            (reply,) = pipe.ask_many([("EVAL", _GLANCE, len(keys), *keys, *args)])
    except redis.RedisError as exc:
        pipe.reset()  # an error reply may leave other answers unread on the connection
        store.health.failed(exc)  # (writes are in doubt again: the key is dropped next time)
        return Glance()
    store.health.succeeded()
    context, is_open, choices, complete, written = reply
    # Reconnected during this very request: Redis may have restarted from an older snapshot.
    lost = not complete or store.health.in_doubt
    return Glance(Recall.decode(context.decode("utf-8")) if context else None,
                  choices.decode("utf-8").split(",") if choices else [], bool(is_open) or lost, markers_lost=lost,
                  marked=bool(is_open), kept=keep.recall if written else None)


class KnownMemory(RedisMemory):
    """A citizen's context already read by ``glance``: recalling it costs no round trip, and
    keeping the one ``glance`` already wrote (``kept``) costs no write."""

    def __init__(self, store: Store, openid: str, known: Recall | None,
                 send_later: Callable[..., Any] | None = None, kept: Recall | None = None) -> None:
        super().__init__(store, openid, send_later)
        self.known = known
        self.kept = kept

    def recall(self) -> Recall | None:
        return self.known

    def keep(self, recall: Recall) -> None:
        if recall != self.kept:
            super().keep(recall)

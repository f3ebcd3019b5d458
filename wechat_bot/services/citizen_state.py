"""What the webhook reads about a citizen before answering, in one Redis round trip.

A text message needs up to three small facts from Redis: the conversation's context
(``conversations``: the guide or emergency last answered), the list of guides offered
last time (only when the message looks like a pick such as "2"), and whether a
consultation may be open (``recent_messages``' marker, trusted only while the markers
are known to be complete). The message also goes into the
ten-minute buffer. Asked one by one these were two or three blocking round trips per
message, which cost the webhook more than matching the question; here they are one
request of plain commands on the thread's pipe (``dedup._Pipe.exchange``) and one wait.

While Redis is down (wechat_bot/redis_health.py) nothing is read: no context, no choices,
and "maybe open", so the database decides, exactly as each piece degrades on its own.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import redis

from ..store import Store
from . import recent_messages
from .conversations import CONTEXT_SECONDS, Recall, RedisMemory
from .dialogue import KeepAhead
from .recent_messages import Recent
from .subscribers import session_key


@dataclass(frozen=True)
class Glance:
    context: Recall | None = None
    choices: list[str] = field(default_factory=list)
    may_be_open: bool = True
    markers_lost: bool = False  # the consultation markers are not known to be complete
    marked: bool = False  # this citizen's marker, as Redis has it
    kept: Recall | None = None  # the context written in the same round trip
    # With ``want_buffer``: the citizen's earlier messages of the last ten minutes, oldest first
    # (``recent_messages.recent``, read in the same round trip for a message that opens a consultation).
    earlier: list[Recent] | None = None


def glance(store: Store, pipe: Any, openid: str, *, message_key: str, text: str, source: str,
           now: datetime, want_choices: bool, keep: KeepAhead | None = None, want_buffer: bool = False) -> Glance:
    """Read the context (and the offered choices when ``want_choices``) and the marker, and
    buffer the message, in one round trip; and, with ``keep``, write the new context after
    reading the old one (unless the citizen had one and ``keep`` holds only without); with
    ``want_buffer``, the citizen's earlier messages too."""
    if not store.health.available():
        return Glance()
    context_key, buffer_key = session_key(store, openid, "context"), session_key(store, openid, "recent")
    complete_key = recent_messages.markers_complete_key(store)
    read = ["MGET", context_key, session_key(store, openid, "consultation"), complete_key]
    if want_choices:
        read.append(session_key(store, openid, "choices"))
    at, window = now.timestamp(), recent_messages.WINDOW_SECONDS
    # One request, and the answers read: the reads (and the buffer before this message, for
    # one that opens a consultation), then whether the new context was written.
    # The buffer's writes answer nothing (CLIENT REPLY SKIP), and there is no script: a Lua
    # call cost Redis ~40 µs of its own per message under load, a third of all its work.
    commands: list[tuple[tuple[Any, ...], bool]] = []
    if store.health.writes_in_doubt():  # first drop the knowledge that the markers are complete
        commands.append((("DEL", complete_key), False))
    commands += [
        (tuple(read), True),
        *([(("ZRANGEBYSCORE", buffer_key, at - window, "+inf", "WITHSCORES"), True)] if want_buffer else []),
        (("ZADD", buffer_key, "NX", at, recent_messages.member(message_key, text, source)), False),
        (("ZREMRANGEBYSCORE", buffer_key, "-inf", at - window), False),
        (("EXPIRE", buffer_key, window), False),
    ]
    if keep is not None:
        # Written after the old context is read: always, or only where there was none (NX).
        kept_when = () if keep.always else ("NX",)
        commands.append((("SET", context_key, keep.recall.encode(), "EX", CONTEXT_SECONDS, *kept_when), True))
    try:
        answers = pipe.exchange(commands)
    except redis.RedisError as exc:
        pipe.reset()  # an error reply may leave other answers unread on the connection
        store.health.failed(exc)  # (writes are in doubt again: the key is dropped next time)
        return Glance()
    store.health.succeeded()
    context, marker, complete, *choices = answers[0]
    written = keep is not None and answers[-1] is not None
    # WeChat's retried copy finds the first copy's message there already: not an earlier one.
    earlier = recent_messages.from_buffer(_scored(answers[1]), exclude=message_key) if want_buffer else None
    # Reconnected during this very request: Redis may have restarted from an older snapshot.
    lost = complete is None or store.health.in_doubt
    return Glance(Recall.decode(context.decode("utf-8")) if context else None,
                  choices[0].decode("utf-8").split(",") if choices and choices[0] else [],
                  marker is not None or lost, markers_lost=lost, marked=marker is not None,
                  kept=keep.recall if written else None, earlier=earlier)


def _scored(reply: list[Any]) -> list[Any]:
    """ZRANGEBYSCORE … WITHSCORES as (member, score) pairs: RESP3 pairs them itself, RESP2
    alternates them in one flat list."""
    if reply and isinstance(reply[0], list):
        return reply
    return list(zip(reply[::2], reply[1::2]))


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

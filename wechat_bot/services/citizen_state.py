"""What the webhook reads about a citizen before answering, in one Redis round trip.

A text message needs up to three small facts from Redis: the conversation's context
(``conversations``: the guide or emergency last answered), the list of guides offered
last time (only when the message looks like a pick such as "2"), and whether a
consultation may be open (``recent_messages``' marker). The message also goes into the
ten-minute buffer. Asked one by one these were two or three blocking round trips per
message, which cost the webhook more than matching the question; here they travel in
one socket write on the thread's pipe (``dedup._Pipe``), and only the reads are waited for.

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
from .conversations import Recall, RedisMemory
from .subscribers import session_key


@dataclass(frozen=True)
class Glance:
    context: Recall | None = None
    choices: list[str] = field(default_factory=list)
    may_be_open: bool = True


def glance(store: Store, pipe: Any, openid: str, *, message_key: str, text: str, source: str,
           now: datetime, want_choices: bool) -> Glance:
    """Read the context (and the offered choices when ``want_choices``) and the marker, and
    buffer the message, in one round trip."""
    if not store.health.available():
        return Glance()
    marker, writes = recent_messages.commands(store, openid, message_key, text, source, now)
    questions = [("GET", session_key(store, openid, "context")), marker]
    if want_choices:
        questions.append(("GET", session_key(store, openid, "choices")))
    try:
        answers = pipe.ask_many(questions, *writes)
    except redis.RedisError as exc:
        pipe.reset()  # an error reply leaves the other answers unread on the connection
        store.health.failed(exc)
        return Glance()
    store.health.succeeded()
    context = Recall.decode(answers[0].decode("utf-8")) if answers[0] else None
    choices = answers[2].decode("utf-8").split(",") if want_choices and answers[2] else []
    return Glance(context, choices, bool(answers[1]))


class KnownMemory(RedisMemory):
    """A citizen's context already read by ``glance``: recalling it costs no round trip."""

    def __init__(self, store: Store, openid: str, known: Recall | None,
                 send_later: Callable[..., Any] | None = None) -> None:
        super().__init__(store, openid, send_later)
        self.known = known

    def recall(self) -> Recall | None:
        return self.known

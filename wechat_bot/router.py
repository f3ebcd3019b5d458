"""Which handler answers an inbound message: the whole table is built in
``handlers.register_all``.

Resolution order: menu CLICK key → event type → message type → fallback.
A handler is ``(message, ctx) -> str | BaseReply | None``; ``None`` means
"nothing to say" and the webhook answers ``success``.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from .services.identity import hash_openid

__all__ = ["Context", "Handler", "Router", "hash_openid"]  # hash_openid: re-exported for older imports

Handler = Callable[[Any, "Context"], Any]


@dataclass
class Context:
    """What a handler may use besides the message itself."""

    openid: str
    raw: dict[str, Any]
    services: Any
    now: datetime
    effects: list[Callable[[], Any]] = field(default_factory=list)
    # The reply reports danger now (110 first): it is given even if a side effect fails.
    urgent: bool = False

    def defer(self, effect: Callable[[], Any]) -> None:
        """Register a side effect: it runs once, for the delivery that wins the
        dedup claim, never for WeChat's retried copies."""
        self.effects.append(effect)

    @property
    def openid_hash(self) -> str:
        return hash_openid(self.openid)


@dataclass
class Router:
    messages: dict[str, Handler] = field(default_factory=dict)
    events: dict[str, Handler] = field(default_factory=dict)
    clicks: dict[str, Handler] = field(default_factory=dict)
    fallback: Handler | None = None

    def message(self, *msg_types: str) -> Callable[[Handler], Handler]:
        def register(handler: Handler) -> Handler:
            for msg_type in msg_types:
                self.messages[msg_type] = handler
            return handler

        return register

    def event(self, *names: str) -> Callable[[Handler], Handler]:
        def register(handler: Handler) -> Handler:
            for name in names:
                self.events[name.lower()] = handler
            return handler

        return register

    def click(self, *keys: str) -> Callable[[Handler], Handler]:
        def register(handler: Handler) -> Handler:
            for key in keys:
                self.clicks[key] = handler
            return handler

        return register

    def resolve(self, raw: dict[str, Any]) -> Handler | None:
        """The handler for a raw message dict (the parsed XML)."""
        msg_type = str(raw.get("MsgType", "")).lower()
        if msg_type == "event":
            event = str(raw.get("Event", "")).lower()
            if event == "click":
                handler = self.clicks.get(str(raw.get("EventKey", "")))
                if handler is not None:
                    return handler
            return self.events.get(event)
        return self.messages.get(msg_type, self.fallback)

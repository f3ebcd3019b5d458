"""Custom-menu CLICK events, one handler per key of wechat_bot/guides/menu.toml."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from wechat_bot.router import Context


def on_emergency(message: Any, ctx: Context) -> str:
    return ctx.services.messages.emergency


def on_contact(message: Any, ctx: Context) -> str:
    return ctx.services.messages.contact


def on_consult(message: Any, ctx: Context) -> str:
    return ctx.services.messages.consult


def on_unknown_click(message: Any, ctx: Context) -> str:
    """A key the menu no longer has (an old menu still cached on a phone)."""
    return ctx.services.messages.help


CLICKS: dict[str, Callable[[Any, Context], Any]] = {
    "EMERGENCY": on_emergency,
    "CONTACT": on_contact,
    "CONSULT": on_consult,
}

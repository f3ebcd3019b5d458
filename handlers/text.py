"""Text messages: a citizen's question."""
from __future__ import annotations

from typing import Any

from wechat_bot.router import Context


def on_text(message: Any, ctx: Context) -> str:
    return answer_question(message.content or "", ctx)


def answer_question(text: str, ctx: Context) -> str:
    """The reply to a citizen's question (typed, or recognised from voice)."""
    return ctx.services.messages.help

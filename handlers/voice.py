"""Voice messages: answered like text when WeChat's recognition is on."""
from __future__ import annotations

from typing import Any

from wechat_bot.router import Context

from .text import answer_question


def on_voice(message: Any, ctx: Context) -> str:
    recognition = (getattr(message, "recognition", None) or "").strip()
    if recognition:
        return answer_question(recognition, ctx)
    return ctx.services.messages.media("voice")

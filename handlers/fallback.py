"""Images, locations, links, videos: say politely what the account can do."""
from __future__ import annotations

from typing import Any

from wechat_bot.router import Context


def on_media(message: Any, ctx: Context) -> str:
    return ctx.services.messages.media(str(ctx.raw.get("MsgType", "")).lower())

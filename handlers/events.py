"""Follow and unfollow."""
from __future__ import annotations

import logging
from typing import Any

from wechat_bot.router import Context
from wechat_bot.services import subscribers

log = logging.getLogger(__name__)


def on_subscribe(message: Any, ctx: Context) -> str:
    return ctx.services.messages.welcome


def on_unsubscribe(message: Any, ctx: Context) -> None:
    def erase() -> None:
        touched = subscribers.forget_user(ctx.services.database.sessionmaker, ctx.services.store, ctx.openid)
        log.info("unsubscribe: erased %d records of user %s", touched, ctx.openid_hash)

    ctx.defer(erase)
    return None

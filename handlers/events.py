"""Follow and unfollow."""
from __future__ import annotations

import logging
from typing import Any

from wechat_bot.router import Context
from wechat_bot.services import publishing_events, subscribers

log = logging.getLogger(__name__)


def on_subscribe(message: Any, ctx: Context) -> str:
    return ctx.services.messages.welcome


def on_unsubscribe(message: Any, ctx: Context) -> None:
    def erase() -> None:
        touched = subscribers.forget_user(ctx.services.database.sessionmaker, ctx.services.store, ctx.openid)
        log.info("unsubscribe: erased %d records of user %s", touched, ctx.openid_hash)

    ctx.defer(erase)
    return None


def on_mass_send_finished(message: Any, ctx: Context) -> None:
    """MASSSENDJOBFINISH: counts and article URLs onto the post log."""
    ctx.defer(lambda: publishing_events.in_own_session(
        ctx.services.database.sessionmaker, publishing_events.mass_job_finished,
        ctx.raw, now=ctx.now, tz=ctx.services.settings.tz))
    return None


def on_publish_finished(message: Any, ctx: Context) -> None:
    """PUBLISHJOBFINISH: the final state of a 发布, with the article URLs."""
    ctx.defer(lambda: publishing_events.in_own_session(
        ctx.services.database.sessionmaker, publishing_events.publish_job_finished,
        ctx.raw, now=ctx.now, tz=ctx.services.settings.tz, recheck=ctx.services.settings.publish.sweep_seconds))
    return None

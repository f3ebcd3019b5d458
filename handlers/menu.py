"""Custom-menu CLICK events, one handler per key of wechat_bot/guides/menu.toml."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from wechat_bot.router import Context
from wechat_bot.services import conversations, guides, latest_posts


def on_area(message: Any, ctx: Context) -> str:
    """办事指南 → 户政/出入境/治安/交管: the area's guides, pickable by number."""
    area = guides.AREA_MENU_KEYS[str(ctx.raw.get("EventKey"))]
    reply, ids = guides.area_choices(ctx.services.catalogue, area)
    ctx.defer(lambda: conversations.remember_choices(ctx.services.store, ctx.openid, ids))
    return reply


def on_latest_news(message: Any, ctx: Context) -> str:
    """警务公开 → 最新发布: the latest articles from the post log, with their links."""
    services = ctx.services
    link = latest_posts.sandbox_link(services.site_url()) if services.settings.sandbox else (lambda url: url)
    return latest_posts.latest_reply(services.database.sessionmaker, services.settings.tz, link=link)


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
    **{key: on_area for key in guides.AREA_MENU_KEYS},
    "NEWS_LATEST": on_latest_news,
    "EMERGENCY": on_emergency,
    "CONTACT": on_contact,
    "CONSULT": on_consult,
}

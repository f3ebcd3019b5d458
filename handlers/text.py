"""Text messages: a citizen's question, answered from the service guides."""
from __future__ import annotations

from typing import Any

from wechat_bot.db import get_session
from wechat_bot.router import Context
from wechat_bot.services import consultations, conversations, guides
from wechat_bot.services.guide_matching import choice_number
from wechat_bot.services.textnorm import normalize


def on_text(message: Any, ctx: Context) -> str:
    return answer_question(message.content or "", ctx)


def answer_question(text: str, ctx: Context) -> str:
    """The reply to a citizen's question (typed, or recognised from voice).

    Emergencies come first (inside ``guides.answer``). The offered list and any
    consultation record are side effects, deferred so WeChat's retries of the
    same message do not repeat them.
    """
    services = ctx.services
    # Only a bare number needs the list we offered last time: reading Redis for
    # every message would put a round trip on the hot path.
    pending = conversations.pending_choices(services.store, ctx.openid) if choice_number(normalize(text)) else []
    answer = guides.answer(
        services.catalogue,
        text,
        services.bureau,
        page_url=services.page_url,
        pending_choices=pending,
        help_text=services.messages.help,
    )
    if answer.kind == "choice":
        ctx.defer(lambda: conversations.remember_choices(services.store, ctx.openid, answer.candidates))
    if answer.wants_human:
        ctx.defer(
            lambda: consultations.record(
                get_session(), openid=ctx.openid, text=text, now=ctx.now, guide_id=answer.guide_id
            )
        )
    return answer.reply

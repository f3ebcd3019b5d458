"""Text messages: a citizen's question, answered from the service guides."""
from __future__ import annotations

import re
from typing import Any

from wechat_bot.router import Context
from wechat_bot.services import citizen_state, consultations, conversations
from wechat_bot.services.guide_matching import choice_number
from wechat_bot.services.textnorm import normalize


def on_text(message: Any, ctx: Context) -> str:
    return answer_question(message.content or "", ctx)


def answer_question(text: str, ctx: Context) -> str:
    """The reply to a citizen's question (typed, or recognised from voice).

    Emergencies come first (inside ``guides.answer``); follow-ups are answered
    from the citizen's context (``dialogue``), read with the offered list and the
    consultation marker in one Redis round trip (``citizen_state``). The offered list and the
    consultation record (``consultations.intake``) are side effects, deferred so
    WeChat's retries of the same message do not repeat them.
    """
    services = ctx.services
    pipe = services.dedup.pipe
    want_choices = _may_be_a_pick(text)
    # A clear question or an emergency leaves a context that does not depend on the last one,
    # and any guide's answer leaves its guide for a citizen with no context yet: worked out
    # first, it is written in the same round trip that reads the last one instead of in a
    # write of its own afterwards (``respond`` below finds the answer remembered and keeps the same).
    ahead = None if want_choices else services.look_ahead(text, ctx.now)
    seen = citizen_state.glance(
        services.store, pipe, ctx.openid, message_key=consultations.message_key(ctx.raw, text), text=text,
        source=consultations.message_source(ctx.raw), now=ctx.now, want_choices=want_choices,
        keep=ahead.keep if ahead is not None else None,
        # A message that will open a consultation carries the citizen's earlier ones into it:
        # they are read in the same round trip instead of one of their own.
        want_buffer=ahead is not None and ahead.opens,
    )
    may_be_open = seen.may_be_open
    if seen.markers_lost:  # Redis lost or missed some: read them back from the database
        may_be_open = services.consultation_markers.may_be_open(ctx.openid, seen.marked)
    memory = citizen_state.KnownMemory(services.store, ctx.openid, seen.context, pipe.send_later, kept=seen.kept)
    answer = services.respond(text, memory, ctx.now, seen.choices)
    ctx.urgent = answer.kind == "emergency"
    if answer.kind == "choice":
        ctx.defer(lambda: conversations.remember_choices(services.store, ctx.openid, answer.candidates))
    handled = consultations.intake(services, ctx.openid, text, answer, now=ctx.now, raw=ctx.raw,
                                   may_be_open=may_be_open, earlier=seen.earlier)
    if handled.effect is not None:
        ctx.defer(handled.effect)
    return handled.reply


def _may_be_a_pick(text: str) -> bool:
    """Only a short pick like "2" or "第二个" needs the list we offered last time
    (asked for in the same round trip as the context, so other messages skip it)."""
    short = text.strip()
    return len(short) <= 8 and bool(_NUMERAL.search(short)) and choice_number(normalize(short)) is not None


_NUMERAL = re.compile("[0-9０-９一二三四五六七八九十]")

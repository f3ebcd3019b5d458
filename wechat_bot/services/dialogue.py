"""A citizen's conversation: follow-ups answered from the guide they were last given.

Citizens do not write one complete question. After "身份证丢了怎么办" they ask "要多少钱",
"带啥", "在哪办", "周末上班吗"; after reporting danger they write where it is, who is hurt,
"我好怕". So the guide (or the emergency) a citizen was last answered with is remembered
for ``CONTEXT_SECONDS``, judged by the injected clock:

- a message naming a matter of its own is answered on its own and becomes the context
  ("那护照呢" after 身份证 switches to the passport, keeping the part asked before);
- an emergency always wins, and while an emergency is the context every message that does
  not clearly move on to a matter of its own keeps the number to call first;
- a message naming no matter but asking for a part is answered from the context's guide;
  thanks and small talk get a short reply and leave the context as it is;
- with no live context a bare follow-up gets "您问的是哪一项？", not a guess.

Answering stays pure (``guides.answer``, cached); this module only looks back when the
message does not stand on its own, so most messages make no Redis read. The context write
is idempotent for a message (WeChat's retried copies write the same value), so it is
sent at once without waiting for Redis's acknowledgement rather than deferred behind a
dedup claim.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

from .conversations import CONTEXT_SECONDS, LocalMemory, Memory, Recall, RedisMemory  # noqa: F401  (re-exported)
from .guide_catalogue import Bureau, Catalogue, cut_bytes
from .guide_matching import (
    Emergency,
    Features,
    choice_number,
    detect_emergency,
    extract,
    is_greeting,
    lexicon,
    names_matter,
    strip_figurative,
)
from .guide_sections import asked_section
from .guides import MATCH_CHARS, Answer, emergency_reply, guide_reply
from .textnorm import normalize



# "那护照呢", "港澳的呢": another matter, the same part as before.
_CARRY = re.compile("^(?:那|那么|那要是|还有|那如果)?.{1,10}?(?:的)?呢[?？]*$")
# A question rather than a remark ("会不会把我名字说出去" vs "今天天气真好").
_QUESTION = re.compile("[?？]|吗|嘛|么|不$|没$|没有$|呢|会不会|能不能|可不可以|行不行|是不是|要不要|咋|怎么|怎样|如何|啥|什么|哪|几|多少|多久|多长")
# Still in danger: fear, the danger going on, asking what to do.
_STILL = re.compile("怕|慌|吓|救|还在|一直|催|快点|快来|他|她|转不转|要不要转|该不该")
# The danger is over or was never now: the conversation may move on.
_CALMED = re.compile(
    "没事了|没事儿了|找到了|已经(?:送|到|报|拉|走|处理|解决|没事)|拉走了|送医院|警察(?:也)?到了|民警(?:也)?到了|"
    "救护车到了|火灭了|灭了|解决了|挂了|没转|没有转|不转了|删了|拉黑|以后|下次|怎么防|咋防|预防|防范"
)
# Asking about a matter's business: the citizen has moved on from the danger.
_BUSINESS = re.compile("办|补|换|申请|手续|材料|多少钱|流程|证明|报案|回执|预约")
# Once the danger is over, a question with no matter of its own is about this guide.
_AFTER_DANGER = {"fraud": "anti-fraud"}
_PARTICLES = "啊呀哈啦吧哦嘛噢喔～~!！。.，, "


@dataclass(frozen=True)
class _Facts:
    """What the message itself says, worked out once per distinct text (citizens repeat themselves)."""

    norm: str
    matter: bool                 # names a matter of its own
    named: frozenset[str]        # the subjects and events it names
    section: str | None          # the part it asks for
    carry: bool                  # "那护照呢"
    clear: bool                  # a business question with nothing alarming in it
    short: bool
    pick: bool                   # "2", "第二个"


@lru_cache(maxsize=8192)
def _facts(text: str) -> _Facts:
    norm = strip_figurative(normalize(text))
    feats = extract(norm[:MATCH_CHARS])
    # Only words written out name a matter here: a near miss (钟头了 → 偷了) may rank guides,
    # but must not pull a conversation away from its context or out of danger.
    weights = lexicon().weights
    exact = Features({c: w for c, w in feats.concepts.items() if w >= weights.get(c, 0)}, feats.residue)
    return _Facts(
        norm=norm,
        matter=names_matter(exact),
        named=frozenset(c for c in feats.concepts if c.startswith(("S_", "I_")) and c != "S_CONTACT"),
        section=asked_section(norm),
        carry=bool(_CARRY.match(norm)),
        clear=bool(_BUSINESS.search(norm)) and not _STILL.search(norm),
        short=len(norm) <= 20,
        pick=choice_number(norm) is not None,
    )


def _small_talk_text(norm: str) -> bool:
    return is_greeting(norm) or is_greeting(norm.strip(_PARTICLES))


@lru_cache(maxsize=256)
def _guide_concepts(catalogue: Catalogue, guide_id: str) -> frozenset[str]:
    """Every concept the guide's own text mentions (a 签注 question stays on the Taiwan permit)."""
    g = catalogue.get(guide_id)
    if g is None:
        return frozenset()
    text = "。".join([g.title, *g.aliases, *g.examples, g.summary, *g.materials, *g.steps, g.where, *g.notes])
    return frozenset(extract(normalize(text)).concepts)


@dataclass(frozen=True)
class KeepAhead:
    """The context ``respond`` will keep for a message, worked out before the citizen's last
    one is read, so the read can write it in the same round trip (``citizen_state.glance``):
    whatever came before when ``always``, else only for a citizen with no context at all."""
    recall: Recall
    always: bool


def keep_ahead(first: Answer, text: str, now: datetime) -> KeepAhead | None:
    """For a message with no offered list, ``first`` its answer on its own: an emergency or a
    clear question naming its own matter keeps its context whatever came before; any other
    answer from a guide keeps its guide when there is no context to follow up (``respond``'s
    ``own()``), which is the case for most citizens' first message. None when what is kept
    needs the previous context."""
    f = _facts(text or "")
    if _on_its_own(first, f):
        kept = _kept_on_its_own(first, f, now.timestamp())
        return KeepAhead(kept, always=True) if kept is not None else None
    if first.kind in ("guide", "choice") and first.guide_id:
        return KeepAhead(Recall(now.timestamp(), first.guide_id, first.section), always=False)
    return None


def _on_its_own(first: Answer, f: _Facts) -> bool:
    """An emergency, a pick from the offered list, or a clear question about a matter of its
    own: answered on its own, and the context it leaves does not depend on the last one."""
    return first.emergency or (first.kind == "guide" and (
        f.pick or (f.matter and f.clear and not f.carry and not (f.short and f.section))))


def _kept_on_its_own(first: Answer, f: _Facts, at: float) -> Recall | None:
    """The context such a message leaves (an emergency recognised only loosely leaves none)."""
    if first.emergency:
        alarm = detect_emergency(f.norm)
        return Recall(at, alarm=alarm) if alarm is not None else None
    return Recall(at, first.guide_id, first.section)


def respond(
    ask: Callable[[str, Sequence[str]], Answer],
    catalogue: Catalogue,
    bureau: Bureau,
    page_url: Callable[[str], str],
    text: str,
    memory: Memory,
    now: datetime,
    pending_choices: Sequence[str] = (),
) -> Answer:
    """The reply to one message in the context of the citizen's previous ones."""
    first = ask(text, pending_choices)
    f = _facts(text or "")
    norm, matter, carry, section, clear = f.norm, f.matter, f.carry, f.section, f.clear
    at = now.timestamp()
    if _on_its_own(first, f):
        kept = _kept_on_its_own(first, f, at)
        if kept is not None:
            memory.keep(kept)
        return first

    last = memory.recall()
    live = last if last is not None and last.live(at) else None

    def from_guide(guide_id: str, section: str | None) -> Answer:
        reply = guide_reply(catalogue, bureau, page_url(guide_id), guide_id, section)
        memory.keep(Recall(at, guide_id, section))
        return Answer(first.text, guide_id, False, [], cut_bytes(reply), "guide", False, section)

    def own() -> Answer:
        if first.kind in ("guide", "choice") and first.guide_id:
            memory.keep(Recall(at, first.guide_id, first.section))
        return first

    # A conversation in danger stays in danger until the citizen clearly moves on.
    if live is not None and live.alarm is not None:
        if _CALMED.search(norm):
            after = _AFTER_DANGER.get(live.alarm.kind)
            if first.kind == "help" and not matter and after and _QUESTION.search(norm) and catalogue.get(after):
                return from_guide(after, section)  # "我挂了 没转 以后这种电话咋防"
            return own()
        # Moved on: a clear question about a matter, or a question for staff about one
        # ("人工：我的户口迁移办到哪一步了").
        if not ((matter and first.kind in ("guide", "choice") and clear) or (matter and first.kind == "human")):
            memory.keep(Recall(at, alarm=live.alarm))
            return _still_in_danger(first.text, live.alarm, small_talk=_small_talk_text(norm))
        return own()

    context = live.guide_id if live is not None and live.guide_id and catalogue.get(live.guide_id) else None
    if context is None:
        # Only a bare follow-up ("要带什么材料") is asked back; a longer question about something
        # no guide covers ("路灯坏了好几天了谁来管") goes to staff as a consultation.
        if first.kind == "help" and section is not None and len(norm) <= BARE_FOLLOW_UP and not matter \
                and not is_greeting(norm):
            return Answer(first.text, None, False, [], which_one(), "clarify", False, None)
        return own()

    if first.kind == "guide" and first.guide_id == context:
        return own()
    if first.kind == "human":
        return first
    if matter:
        # A short question about a part, in words the context's guide itself uses, stays there
        # ("签注多少钱" about the Taiwan permit, "要体检证明吗" about a driving licence).
        if f.short and section and f.named <= _guide_concepts(catalogue, context):
            return from_guide(context, section)
        if first.kind == "choice" and context in first.candidates:
            return from_guide(context, section)
        if first.kind == "guide" and carry and live.section and first.section is None:
            return from_guide(first.guide_id, live.section)  # "那护照呢"
        return own()
    if _small_talk_text(norm) and section is None:
        return _small_talk(first.text, catalogue, context)
    if section is not None or _QUESTION.search(norm):
        return from_guide(context, section)
    return _small_talk(first.text, catalogue, context)


BARE_FOLLOW_UP = 10  # characters: "需要带什么材料", "小孩也要去吗", "网上能办不"


def which_one() -> str:
    """A bare follow-up ("多少钱") with nothing to follow: ask, do not guess."""
    return "\n".join([
        "您问的是哪一项？请连同事项一起发送，如“护照多少钱”“补办身份证要带什么”“上户口在哪办”。",
        "也可以点菜单“办事指南”，按户政、出入境、治安、交管查看全部事项。",
        "紧急情况请直接拨打110。",
    ])


def _small_talk(text: str, catalogue: Catalogue, guide_id: str) -> Answer:
    guide = catalogue.get(guide_id)
    title = guide.title if guide else ""
    thanks = "不客气！" if re.search("谢|感谢|辛苦", normalize(text or "")) else ""
    reply = f"{thanks}关于“{title}”还想了解哪一项，直接问就行，如“多少钱”“要带什么”“在哪办”。"
    return Answer(text, None, False, [], reply, "help", False, None)


def _still_in_danger(text: str, alarm: Emergency, *, small_talk: bool) -> Answer:
    """The number first again, for every message of a conversation in danger."""
    lead = alarm.numbers[0]
    if small_talk:
        reply = f"{lead}！如果危险还没有解除，请立即拨打{lead}。请注意安全，本公众号留言不能代替报警。"
    else:
        reply = emergency_reply(alarm)
    return Answer(text, "emergency", True, [], reply, "emergency", False, None)

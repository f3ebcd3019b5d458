"""Answering a citizen's text message: emergency first, then staff, then the guides.

Pure: text in, ``Answer`` out. The caller keeps the offered choices (``pending_choices``)
for ten minutes and creates a consultation record when ``wants_human`` is true.

The catalogue itself (data, checks, reply rendering) is in ``guide_catalogue``; the
lexicon, scoring and emergency rules are in ``guide_matching``.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from wechat_bot.services.guide_catalogue import (
    AREA_MENU_KEYS,
    AREAS,
    KNOWN_MENU_KEYS,
    MAX_REPLY_BYTES,
    Bureau,
    Catalogue,
    CatalogueError,
    Guide,
    check_catalogue,
    cut_bytes,
    render_guide_reply,
)
from wechat_bot.services.guide_sections import asked_section, render_section, render_short_reply
from wechat_bot.services.guide_matching import (
    Emergency,
    Match,
    choice_number,
    detect_emergency,
    extract,
    is_case_matter,
    is_case_status,
    is_greeting,
    is_police_business,
    match,
    strip_figurative,
    wants_human,
)
from wechat_bot.services.textnorm import normalize

__all__ = [
    "AREAS", "AREA_MENU_KEYS", "KNOWN_MENU_KEYS", "Answer", "Bureau", "Catalogue", "area_choices",
    "CatalogueError", "Guide", "answer", "answer_text", "check_catalogue", "emergency_reply", "help_menu",
    "human_reply", "render_guide_reply",
]

KINDS = ("guide", "choice", "emergency", "help", "human")
MATCH_CHARS = 300


@dataclass(frozen=True)
class Answer:
    text: str                    # the citizen's original text
    guide_id: str | None         # "emergency" for emergencies; first choice when offering a list
    emergency: bool
    candidates: list[str] = field(default_factory=list)  # choices offered, in order
    reply: str = ""              # the text the citizen gets, < 2048 bytes UTF-8
    kind: str = "help"           # "guide" | "choice" | "emergency" | "help" | "human"
    wants_human: bool = False    # True → the caller creates a consultation record
    section: str | None = None   # the part of the guide the reply gives (guide_sections.SECTIONS)

    def as_json(self) -> dict:
        """The object `guides ask --json` prints (CONTRACT §2), plus kind and wants_human."""
        return {
            "text": self.text,
            "guide_id": self.guide_id,
            "emergency": self.emergency,
            "candidates": list(self.candidates),
            "reply": self.reply,
            "kind": self.kind,
            "wants_human": self.wants_human,
            "section": self.section,
        }


def answer(
    catalogue: Catalogue,
    text: str,
    bureau: Bureau,
    *,
    page_url: Callable[[str], str],
    pending_choices: Sequence[str] = (),
    help_text: str | None = None,
) -> Answer:
    """The reply to one text message, the same for the webhook, the CLI and the tests.

    ``help_text`` is the staff-edited help menu (messages.toml); without it the
    built-in ``help_menu`` is used.
    """
    text = text or ""
    norm = strip_figurative(normalize(text))

    def make(kind: str, reply: str, guide_id: str | None = None,
             candidates: Sequence[str] = (), human: bool = False, emergency: bool = False,
             section: str | None = None) -> Answer:
        return Answer(text, guide_id, emergency, list(candidates), cut_bytes(reply), kind, human, section)

    # 1. A number picks from the list offered last time.
    number = choice_number(norm)
    if number is not None:
        pending = [g for g in pending_choices if catalogue.get(g) is not None]
        if pending and 1 <= number <= len(pending):
            gid = pending[number - 1]
            return make("guide", _guide_reply(catalogue, gid, bureau, page_url), gid)
        if pending:
            return make("choice", choice_reply(catalogue, pending, prefix=f"请回复 1–{len(pending)} 之间的数字。"),
                        pending[0], pending)
        return make("help", help_text or help_menu(bureau))

    # 2. Danger now: the number to call comes before anything else.
    alarm = detect_emergency(norm)
    if alarm is not None:
        return make("emergency", emergency_reply(alarm), "emergency", emergency=True)

    # 3. A person asked for staff.
    human = wants_human(text, norm)
    head = norm[:MATCH_CHARS]  # a pasted essay is matched on its start
    feats = extract(head)
    found: Match = match(catalogue.index, head, feats)
    if human == "always" or (human == "soft" and not found.confident):
        return make("human", human_reply(bureau), human=True)

    # 4. A question about one's own case or application.
    status = is_case_status(norm, feats)
    # "报了案两个月派出所不管不问，我要投诉": a complaint about the handling, not a status question.
    case_matter = is_case_matter(norm)
    complaint = found.confident and "S_COMPLAINT" in feats.concepts and not case_matter
    if (status and not complaint) or (case_matter and not found.confident):
        return make("human", human_reply(bureau), human=True)

    # 5. Greetings, thanks, and anything no guide fits.
    if found.guide_id is None or (is_greeting(norm) and not found.confident):
        if found.guide_id is None and is_police_business(norm) and not is_greeting(norm) and len(norm) >= 6:
            return make("human", human_reply(bureau), human=True)
        return make("help", help_text or help_menu(bureau))

    # 6. One guide, or a short list to choose from.
    if found.candidates:
        return make("choice", choice_reply(catalogue, found.candidates), found.guide_id, found.candidates)
    section = asked_section(norm)
    return make("guide", _guide_reply(catalogue, found.guide_id, bureau, page_url, section), found.guide_id,
                section=section)


@lru_cache(maxsize=8192)
def answer_text(
    catalogue: Catalogue,
    text: str,
    bureau: Bureau,
    *,
    site_url: str,
    help_text: str | None = None,
    pending_choices: tuple[str, ...] = (),
) -> Answer:
    """``answer`` remembered for the process's life: it is a pure function of its
    arguments, and citizens ask the same few questions over and over."""
    return answer(
        catalogue, text, bureau,
        page_url=lambda guide_id: f"{site_url}/g/{guide_id}",
        pending_choices=pending_choices, help_text=help_text,
    )


def _guide_reply(catalogue: Catalogue, guide_id: str, bureau: Bureau, page_url: Callable[[str], str],
                 section: str | None = None) -> str:
    return guide_reply(catalogue, bureau, page_url(guide_id), guide_id, section)


@lru_cache(maxsize=1024)
def guide_reply(catalogue: Catalogue, bureau: Bureau, url: str, guide_id: str, section: str | None) -> str:
    """One part of the guide when the question asks for one, else the guide on one screen
    (remembered: a few hundred replies serve every question; an edited catalogue is a new key)."""
    guide = catalogue.get(guide_id)
    assert guide is not None
    if section is not None:
        return render_section(guide, bureau, url, section)
    return render_short_reply(guide, bureau, url)


def area_choices(catalogue: Catalogue, area: str) -> tuple[str, list[str]]:
    """A menu's area button: every guide of the area as a numbered list, and its ids."""
    guides = catalogue.by_area(area)
    lines = [f"【{area}办事指南】回复数字查看详情："]
    lines += [f"{i}. {g.title}" for i, g in enumerate(guides, 1)]
    lines.append("也可以直接发问题，如“身份证丢了怎么办”。")
    return cut_bytes("\n".join(lines)), [g.id for g in guides]


def choice_reply(catalogue: Catalogue, candidates: Sequence[str], prefix: str = "") -> str:
    lines = [prefix or "您想了解的是哪一项？", "回复数字查看："]
    for i, gid in enumerate(candidates[:3], 1):
        guide = catalogue.get(gid)
        lines.append(f"{i}. {guide.title if guide else gid}")
    lines.append("都不是？请换个说法再问，或发送“人工”留言。紧急情况请拨打110。")
    return "\n".join(lines)


def help_menu(bureau: Bureau) -> str:
    """What the account offers; the reply to greetings, thanks and off-topic messages."""
    p = bureau.placeholders()
    return "\n".join([
        f"您好！这里是「{p['account_name']}」（{p['name']}）。您可以：",
        "· 办事指南：直接发问题，如“身份证丢了怎么办”“小孩出生怎么上户口”“护照多少钱”，"
        "或点菜单“办事指南”（户政、出入境、治安、交管）",
        "· 警务公开：点菜单“警务公开”看最新发布",
        "· 在线咨询：发送“人工”留言，民警在工作时间回复",
        "· 报警求助：紧急情况请直接拨打110（火警119，急救120，交通事故122），公众号留言不能代替报警",
        f"办公时间：{p['office_hours']}",
    ])


def human_reply(bureau: Bureau) -> str:
    p = bureau.placeholders()
    return "\n".join([
        "已收到您的留言，已转给工作人员。",
        f"民警会在工作时间内通过本公众号回复您（办公时间：{p['office_hours']}），"
        "一般在48小时内答复，请留意消息；如需补充情况，直接在此继续留言即可。",
        f"急事可致电 {p['phone']}。",
        "紧急情况请直接拨打110，公众号留言不能代替报警。",
    ])


_EMERGENCY_TEXT = {
    "police": "请立即拨打110报警！\n尽量远离危险，先保护好自己和他人；说清楚地点、发生了什么、有无人员受伤。",
    "fire": "请立即拨打119报火警！\n马上离开危险区域，不要乘电梯，不要返回取物；燃气泄漏时不要开关电器、不要在现场打电话，先开窗、关阀门，撤到室外再拨打。",
    "medical": "请立即拨打120急救电话！\n说清楚地点和病人情况，不要随意搬动伤者，保持电话畅通。",
    "traffic": "请立即拨打122报警！\n开启危险报警闪光灯，在车后放置警告标志，人员撤到护栏外安全处；不要挪动伤者。",
    "fraud": "请立即拨打110报警！也可拨打96110反诈专线咨询。\n不要转账，不要提供验证码，不要开启屏幕共享；公检法机关不会通过电话要求转账到“安全账户”。已转账的请马上报警并保留转账记录。",
}


def emergency_reply(alarm: Emergency) -> str:
    """Starts with the number to call; never a guide."""
    lead = alarm.numbers[0]
    lines = [f"{lead}！" + _EMERGENCY_TEXT[alarm.kind]]
    if "120" in alarm.numbers[1:]:
        lines.append("有人受伤请同时拨打120急救。")
    lines.append("本公众号留言不能代替报警，请直接拨打电话。")
    return "\n".join(lines)


assert MAX_REPLY_BYTES < 2048

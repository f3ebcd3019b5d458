"""The parts of a guide a citizen asks for, and replies that fit one phone screen.

A question asking for one part ("护照多少钱", "要带什么", "几天能拿", "在哪办",
"网上能办吗") gets that part of the guide: the fee, the materials, the time limit,
the place with the bureau's address, phone and hours, or the steps. Every reply
carries the guide's title, so it stands alone, and the link to the full page.

A question about the guide as a whole gets a short form of it (what it is, the
materials in short, the time limit, the fee, the link), at most ``SCREEN_CHARS``
characters; the full text stays on ``/g/<id>``. The short forms are derived here
from the guide's own fields: the TOML facts are not duplicated.
"""
from __future__ import annotations

import re
from functools import lru_cache

from wechat_bot.services.guide_catalogue import Bureau, Guide

SECTIONS = ("materials", "steps", "time_limit", "fee", "where")
SCREEN_CHARS = 350

# What a citizen writes when asking for one part. The first part named in the
# message wins ("带什么，多少钱" asks for the materials first), except that asking
# whether it can be done online or by someone else is always about the steps.
_ASKS = {
    "fee": (
        "多少钱|几块钱|几个钱|多少块|多钱|要钱|收钱|收费|收不收|费用|工本费|花多少|花钱|贵不贵|贵吗|免费|交钱|缴费|"
        "价格|价钱|要花|另外算|另算|另收|另外收|另外交"
    ),
    "materials": (
        "材料|资料|带什么|带啥|带哪些|要带|得带|需要带|带上|带着|拿什么|拿啥|要什么东西|需要什么|需要啥|要啥东西|要啥|"
        "准备什么|准备啥|准备哪些|提供什么|提供啥|证件照|照片|相片|手续|要哪些|需要哪些|证明什么|"
        # "要体检证明吗", "需要房产证吗", "租房合同行不行", "死亡证明没有咋办": is this paper needed or enough
        "(?:要|需要|得|用)[^，。？！?!]{0,8}(?:证明|证|合同|鉴定|复印件|原件|委托书|公函|户口本|户口簿)[^，。？！?!]{0,2}(?:吗|不|么|没)|"
        "(?:证明|证|合同|材料|复印件|户口本)[^，。？！?!]{0,3}(?:行不行|行吗|可以吗|能用吗|管用吗|算不算|行不|没有|没了)"
    ),
    "time_limit": (
        "多久|几天|多长时间|多少天|几个工作日|工作日|什么时候能|啥时候能|什么时候拿|啥时候拿|时限|多快|加急|当天|当场|"
        "能拿到|拿到手|拿证|取证|等多久|要等|几周|几个月|快点|多长时间能|办好要|多少时间|期限|有效期多|有效期是|"
        "有效期几|管几年|能用几年|用多久|几年有效"
    ),
    "where": (
        "在哪|在那(?:办|换|补|开|交|弄|去)|哪里|哪儿|去哪|到哪|找哪|哪个地方|什么地方|啥地方|地址|地点|位置|哪个窗口|"
        "哪个部门|哪个单位|哪个公安|找谁|哪个派出所|电话|几点|上班|下班|开门|关门|周末|周六|周日|星期六|星期天|礼拜|"
        "节假日|假期|放假|办公时间|营业|午休|中午"
    ),
    "steps": (
        "流程|步骤|程序|怎么办理|咋办理|如何办理|怎么申请|咋申请|如何申请|怎么弄|咋弄|怎么操作|咋签|怎么签|"
        "预约|本人去|本人到|本人来|要本人|得本人|必须本人|本人必须|亲自|也要去|也得去|要去吗|得去吗|去不去|都去|都要去|抱去|带去|陪着|陪同|要陪|到场|跑一趟|"
        "先要|要先|先得|得先|先去|邮寄|寄过来|快递"
    ),
}
_ONLINE_OR_PROXY = (
    "网上|线上|在线|手机上|app|小程序|代办|代领|代开|代为|代替|委托|替我|帮我办|帮忙办|别人办|家人办|家里人|"
    "(?:给|帮|替|代)(?:他|她|我爸|我妈|老人|孩子|娃)办"
)
_ASK = re.compile("|".join(f"(?P<{name}>{words})" for name, words in _ASKS.items()))
_STEPS_FIRST = re.compile(_ONLINE_OR_PROXY)


@lru_cache(maxsize=4096)
def asked_section(norm: str) -> str | None:
    """The part of a guide the (normalised) message asks for, or None. Remembered: the
    answer and the conversation both ask it of every message, and the search tries every
    alternative of _ASK at every character (~11 µs)."""
    if _STEPS_FIRST.search(norm):
        return "steps"
    m = _ASK.search(norm)
    return m.lastgroup if m else None


# --- one part -----------------------------------------------------------------------------

_LABEL = {
    "fee": "收费", "materials": "所需材料", "time_limit": "办理时限", "where": "办理地点", "steps": "办理流程",
}


def render_section(guide: Guide, bureau: Bureau, url: str, section: str) -> str:
    """One part of a guide, with its title and the link to the rest."""
    g = guide.filled(bureau)
    head = f"【{g.title}】{_LABEL[section]}："
    if section == "fee":
        body = g.fee
    elif section == "time_limit":
        body = g.time_limit
    elif section == "materials":
        body = "\n" + "\n".join(f"{i}. {m}" for i, m in enumerate(g.materials, 1))
    elif section == "steps":
        body = "\n" + "\n".join(f"{i}. {s}" for i, s in enumerate(g.steps, 1))
    else:
        body = _where(g, bureau)
    parts = [head + body]
    if url:
        parts.append(f"其他事项见详情：{url}")
    return "\n".join(parts)


def _where(g: Guide, bureau: Bureau) -> str:
    """The place, and always the bureau's address, phone and office hours."""
    p = bureau.placeholders()
    lines = [g.where]
    if p["address"] not in g.where:
        lines.append(f"{p['name']}地址：{p['address']}")
    if p["phone"] not in g.where:
        lines.append(f"电话：{p['phone']}")
    if p["office_hours"] not in g.where:
        lines.append(f"办公时间：{p['office_hours']}")
    return "\n".join(lines)


# --- the whole guide on one screen --------------------------------------------------------

_PAREN = re.compile(r"（[^（）]*）|\([^()]*\)")
_NOTICE = re.compile("。?以窗口公示为准。?|，?具体以窗口公示为准|，?以窗口告知为准")


def _first(text: str, stops: str = "；。") -> str:
    """The text up to its first full stop or semicolon."""
    for i, ch in enumerate(text):
        if ch in stops:
            return text[:i]
    return text


def _brief(text: str, limit: int) -> str:
    text = text if len(text) <= limit else text[: limit - 1] + "…"
    return text


def short_fee(g: Guide) -> str:
    """The fee without its legal references; the caveat that the window's notice decides stays."""
    fee = _NOTICE.sub("", _PAREN.sub("", g.fee)).strip("。；， ")
    fee = fee if len(fee) <= 40 else _first(fee)
    return fee + ("，以窗口公示为准" if _NOTICE.search(g.fee) else "")


def short_time(g: Guide) -> str:
    return _first(_PAREN.sub("", g.time_limit)).strip("。；， ")


def short_materials(g: Guide, n: int) -> str:
    items = [_first(_PAREN.sub("", m), "；。") for m in g.materials[:n]]
    text = "；".join(i for i in items if i)
    return text + ("等" if n < len(g.materials) else "")


def render_short_reply(guide: Guide, bureau: Bureau, url: str, limit: int = SCREEN_CHARS) -> str:
    """What the matter is, the materials in short, time limit, fee, phone, link: at most ``limit`` characters."""
    g = guide.filled(bureau)
    link = f"详情：{url}" if url else ""
    hint = "想只看某一项，可再问“要带什么”“多少钱”“在哪办”。"
    summary = g.summary
    phone = bureau.placeholders()["phone"]
    fee, time_limit = short_fee(g), short_time(g)

    def build(summary: str, n: int, with_hint: bool) -> str:
        parts = [f"【{g.title}】{summary}"]
        if n:
            parts.append("材料：" + short_materials(g, n))
        parts.append(f"时限：{time_limit}")
        parts.append(f"收费：{fee}")
        parts.append(f"咨询电话：{phone}")
        if with_hint:
            parts.append(hint)
        if link:
            parts.append(link)
        return "\n".join(parts)

    # Shorten step by step: the hint goes first, then the summary to its first
    # sentences, then fewer materials, then the summary is cut.
    sentences = [s + "。" for s in summary.split("。") if s]
    for with_hint in (True, False):
        for k in range(len(sentences), 0, -1):
            for n in range(len(g.materials), 0, -1):
                text = build("".join(sentences[:k]), n, with_hint)
                if len(text) <= limit:
                    return text
    budget = len(sentences[0]) if sentences else 0
    while budget > 10:
        text = build(_brief(summary, budget), 1, False)
        if len(text) <= limit:
            return text
        budget -= 10
    text = build("", 0, False)
    return text if len(text) <= limit else text[: limit - 1] + "…"

"""Where someone can be found: e-mail addresses, licence plates, house numbers."""
from __future__ import annotations

import re
from collections.abc import Iterator

from .context import NOT_ALNUM_AFTER, Spans, public_contact, public_place
from .findings import Finding, make_finding, mask_at

# --- e-mail ----------------------------------------------------------------------

_EMAIL_RE = re.compile(
    r"(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]+"
    r"@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}"
)


def find_emails(text: str, norm: str, urls: Spans) -> Iterator[Finding]:
    for m in _EMAIL_RE.finditer(norm):
        domain = m.group().rsplit("@", 1)[1].lower()
        if domain.endswith(".gov.cn") or public_contact(norm, m.start()):
            continue
        # Split where the normalised text has its "@": the original may have a full-width ＠.
        at = m.start() + m.group().rindex("@")
        mask = text[m.start()] + "***@" + text[at + 1 : m.end()]
        yield make_finding("email", text, m.start(), m.end(), mask, "疑似个人电子邮箱地址")


# --- licence plates --------------------------------------------------------------

_PLATE_LETTER = "A-HJ-NP-Za-hj-np-z"  # no I or O on plates
_PLATE_RE = re.compile(
    rf"(?P<head>[京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼][{_PLATE_LETTER}])"
    r"(?P<sep>[·•・. ]?)"
    rf"(?P<tail>[{_PLATE_LETTER}0-9]{{5,6}}|[{_PLATE_LETTER}0-9]{{4}}[挂学警港澳领试超])"
    + NOT_ALNUM_AFTER
)


def find_plates(text: str, norm: str, urls: Spans) -> Iterator[Finding]:
    for m in _PLATE_RE.finditer(norm):
        if not any(ch.isdigit() for ch in m.group("tail")):
            continue
        tail_start = m.start("tail") - m.start()
        original = text[m.start() : m.end()]
        tail_len = len(m.group("tail"))
        mask = mask_at(original, range(tail_start, tail_start + tail_len - 2))
        yield make_finding("plate", text, m.start(), m.end(), mask, "疑似机动车号牌")


# --- house numbers ---------------------------------------------------------------

_NUM = r"(?:\d{1,5}|[零〇一二三四五六七八九十百两]{1,4})"
_FIRST_UNIT = r"(?:号楼|号院|号(?![线文令])|栋|幢|单元|室|组(?![织长员成合])|排)"
_NEXT_UNIT = r"(?:号楼|号院|号(?![线文令])|栋|幢|单元|室|组(?![织长员成合])|户|层|楼)"
# Institutions (医院、法院、学院 …) and roads (国道、省道) are not homes.
_PLACE = (
    r"(?:小区|社区|园区|花园|家园|新村|大厦|公寓|广场"
    r"|(?<![国省县乡轨通车频渠跑赛隧栈管航])道"
    r"|(?<![医法学察剧影究书老利养生计务戏])院"
    r"|(?<![各每])村|[路街巷弄苑庄组镇乡])"
)
_ADDRESS_RE = re.compile(
    _PLACE
    + r"(?P<num>"
    + rf"{_NUM}{_FIRST_UNIT}(?:[-之]?{_NUM}{_NEXT_UNIT})*"
    + r"|\d{1,4}(?:-\d{1,4}){2,3}(?:号|室)?|\d{1,4}-\d{1,4}(?:号|室)"
    + r")"
)
_NUMERAL = re.compile(r"[0-9零〇一二三四五六七八九十百两]")
_RANGE_AFTER = re.compile(r"\s*(?:至|到|~|—)")  # 兴州大道18号至56号路段: a stretch of road


def find_addresses(text: str, norm: str, urls: Spans) -> Iterator[Finding]:
    for m in _ADDRESS_RE.finditer(norm):
        start, end = m.span("num")
        if public_place(norm, m.start()) or _RANGE_AFTER.match(norm, end):
            continue
        positions = [i for i, ch in enumerate(m.group("num")) if _NUMERAL.match(ch)]
        mask = mask_at(text[start:end], positions)
        yield make_finding("address", text, start, end, mask, "疑似详细住址（门牌号）")


"""Number detectors: resident ID numbers, bank cards and accounts, mobile and
landline telephone numbers."""
from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date

from .context import (
    NOT_ALNUM_AFTER,
    NOT_ALNUM_BEFORE,
    Spans,
    inside,
    labelled_as_account,
    labelled_as_case_number,
    public_contact,
)
from .findings import Finding, make_finding, mask_at, mask_digits

# --- identity card numbers -------------------------------------------------------

# Written in one piece or grouped like phone and card numbers are: one space or hyphen
# after the region, the birth year and the month-day (610727 19900101 1231,
# 610727-1990-0101-1231); the 15-digit form after the region and the birth date.
# Separators only there: any other place would join unrelated numbers.
_SEP = "[ -]?"
_ID18_RE = re.compile(
    NOT_ALNUM_BEFORE
    + rf"\d{{6}}{_SEP}\d{{4}}{_SEP}\d{{4}}{_SEP}\d{{3}}[0-9Xx]"
    + NOT_ALNUM_AFTER
)
_ID15_RE = re.compile(
    NOT_ALNUM_BEFORE + rf"\d{{6}}{_SEP}\d{{6}}{_SEP}\d{{3}}" + NOT_ALNUM_AFTER
)
_PROVINCES = frozenset(
    "11 12 13 14 15 21 22 23 31 32 33 34 35 36 37 41 42 43 44 45 46 50 51 52 53 54"
    " 61 62 63 64 65 71 81 82 83".split()
)
# GB 11643-1999: ISO 7064 MOD 11-2 over the first 17 digits; remainder r selects
# "10X98765432"[r] as the 18th character.
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


def _id_check_char(first17: str) -> str:
    return _ID_CHECK[sum(int(d) * w for d, w in zip(first17, _ID_WEIGHTS)) % 11]


def _plausible_birth(year: int, month: int, day: int) -> bool:
    try:
        born = date(year, month, day)
    except ValueError:
        return False
    return date(1900, 1, 1) <= born <= date.today()


def _id_shaped(digits: str) -> bool:
    if digits[:2] not in _PROVINCES:
        return False
    if len(digits) == 18:
        year, month, day = digits[6:10], digits[10:12], digits[12:14]
    else:
        year, month, day = "19" + digits[6:8], digits[8:10], digits[10:12]
    return _plausible_birth(int(year), int(month), int(day))


def find_id_numbers(text: str, norm: str, urls: Spans) -> Iterator[Finding]:
    for regex in (_ID18_RE, _ID15_RE):
        for m in regex.finditer(norm):
            digits = m.group().replace(" ", "").replace("-", "")
            if not _id_shaped(digits) or labelled_as_case_number(norm, m.start()):
                continue
            if labelled_as_account(norm, m.start()):
                continue  # 账号/卡号 …: the bank card detector reports it
            if len(digits) == 15:
                message = "疑似15位旧版居民身份证号码"
            elif _id_check_char(digits[:17]) == digits[17].upper():
                message = "疑似居民身份证号码"
            else:
                message = "疑似身份证号码（校验位不符）"
            if message != "疑似居民身份证号码" and inside(urls, *m.span()):
                continue
            mask = mask_digits(text[m.start() : m.end()], m.group(), 3, 4)
            yield make_finding("id_number", text, m.start(), m.end(), mask, message)


# --- bank cards ------------------------------------------------------------------

_CARD_RE = re.compile(
    NOT_ALNUM_BEFORE
    + r"(?:\d{4}(?:[ -]\d{4}){2,3}(?:[ -]\d{1,3})?|\d{13,19})"
    + NOT_ALNUM_AFTER
)
_ACCOUNT_RE = re.compile(NOT_ALNUM_BEFORE + r"\d(?:[ -]?\d){9,24}" + NOT_ALNUM_AFTER)


def _luhn_ok(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        n = int(ch)
        if i % 2:
            n = n * 2 - 9 if n > 4 else n * 2
        total += n
    return total % 10 == 0


def _looks_like_card(digits: str) -> bool:
    # Card numbers start with 3-6 (Amex/JCB, Visa, Mastercard, UnionPay 62) or 9 (old
    # domestic cards such as 9558); dates, years and case numbers start with 1 or 2.
    return 13 <= len(digits) <= 19 and digits[0] in "345689" and _luhn_ok(digits)


def find_bank_cards(text: str, norm: str, urls: Spans) -> Iterator[Finding]:
    seen = set()
    for m in _ACCOUNT_RE.finditer(norm):
        if labelled_as_account(norm, m.start()):
            seen.add(m.start())
            yield _card_finding(text, norm, m, "疑似银行账号")
    for m in _CARD_RE.finditer(norm):
        digits = re.sub(r"\D", "", m.group())
        if m.start() in seen or not _looks_like_card(digits):
            continue
        if inside(urls, *m.span()) or labelled_as_case_number(norm, m.start()):
            continue
        yield _card_finding(text, norm, m, "疑似银行卡号")


def _card_finding(text: str, norm: str, m: re.Match, message: str) -> Finding:
    mask = mask_digits(text[m.start() : m.end()], m.group(), 4, 4)
    return make_finding("bank_card", text, m.start(), m.end(), mask, message)


# --- telephone numbers -----------------------------------------------------------

_MOBILE_RE = re.compile(
    r"(?<![0-9A-Za-z+])(?:(?:\+|00)?86[ -]?)?(?P<local>1[3-9]\d(?:[ -]?\d{4}){2})"
    + NOT_ALNUM_AFTER
)
_LANDLINE_RE = re.compile(
    NOT_ALNUM_BEFORE
    + r"(?P<main>\(0\d{2,3}\)[ -]?\d{7,8}|0\d{2,3}[ -]\d{7,8}|0\d{9,11})"
    + r"(?:(?:-|转)\d{1,5})?"
    + NOT_ALNUM_AFTER
)
_LOCAL_PHONE_RE = re.compile(
    r"(?:电话|联系方式|手机|座机|[Tt]el|TEL)(?:号码)?[\s:]*(?P<main>\d{7,8})" + NOT_ALNUM_AFTER
)


def find_mobiles(text: str, norm: str, urls: Spans) -> Iterator[Finding]:
    for m in _MOBILE_RE.finditer(norm):
        if inside(urls, *m.span()) or labelled_as_case_number(norm, m.start()):
            continue
        if public_contact(norm, m.start()):
            continue
        local_start = m.start("local") - m.start()
        original = text[m.start() : m.end()]
        masked_local = mask_digits(original[local_start:], m.group("local"), 3, 4)
        mask = original[:local_start] + masked_local
        yield make_finding("mobile", text, m.start(), m.end(), mask, "疑似手机号码")


def _landline_mask(original: str, main: str, local_only: bool) -> str:
    digits = [i for i, ch in enumerate(main) if ch.isdigit()]
    if local_only:
        area = 0
    elif main.startswith(("010", "02", "(010", "(02")):
        area = 3
    else:
        area = 4
    masked_main = mask_at(original[: len(main)], digits[area : len(digits) - 4])
    return masked_main + original[len(main) :]


def find_landlines(text: str, norm: str, urls: Spans) -> Iterator[Finding]:
    for regex, local_only in ((_LANDLINE_RE, False), (_LOCAL_PHONE_RE, True)):
        for m in regex.finditer(norm):
            start = m.start() if not local_only else m.start("main")
            end = m.end()
            if inside(urls, start, end) or labelled_as_case_number(norm, start):
                continue
            if public_contact(norm, start):
                continue
            mask = _landline_mask(text[start:end], m.group("main"), local_only)
            yield make_finding("landline", text, start, end, mask, "疑似固定电话号码")


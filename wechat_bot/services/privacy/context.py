"""Context rules shared by the detectors: what the text around a match says about it.

A false alarm blocks an ordinary notice, so a number is not personal data when it is
the bureau's public contact, a case number or part of a URL.
"""
from __future__ import annotations

import re
from bisect import bisect_right

NOT_ALNUM_BEFORE = r"(?<![0-9A-Za-z])"
NOT_ALNUM_AFTER = r"(?![0-9A-Za-z])"
_CLAUSE_BREAK = re.compile(r"[。；;！!？?\n]")


def clause_before(norm: str, start: int, limit: int = 30) -> str:
    """The text of the same clause before `start` (at most `limit` characters)."""
    return _CLAUSE_BREAK.split(norm[max(0, start - limit) : start])[-1]


Spans = list[tuple[int, int]]


def containing(spans: Spans, start: int, end: int) -> tuple[int, int] | None:
    """The span of `spans` (sorted, not overlapping, as finditer gives them) that holds
    [start, end): a binary search, not a pass over every span (that was O(n²))."""
    i = bisect_right(spans, (start, float("inf"))) - 1
    if i >= 0 and spans[i][0] <= start and end <= spans[i][1]:
        return spans[i]
    return None


def inside(spans: Spans, start: int, end: int) -> bool:
    return containing(spans, start, end) is not None


# The bureau's own office numbers, mailboxes and addresses are meant to be published
# (办事指南, 寻人启事 "联系电话：0916-…"). A number or mailbox right after a contact label
# or an office's name, or a house number after 地址/位于, is not personal data when its
# clause names an office or a public service line and speaks of no private person.
# Only the text before the number counts: its owner is named there (张某某的手机…).
_OFFICES = (
    "公安局|公安分局|派出所|大队|中队|支队|警务室|警务站|值班室|办公室|指挥中心|服务中心"
    "|大厅|窗口|车管所"
)
_PUBLIC_CONTEXT = re.compile(
    _OFFICES + "|交警|刑警|治安|户政|出入境|警官|咨询|举报|投诉|监督|值班|办公|受理|报名"
    "|热线|传真|服务电话|服务邮箱|官方"
)
_PERSONAL_CONTEXT = re.compile(
    "住址|住所|家住|家庭|家中|家属|家人|居住|现住|暂住|户籍地|户籍所在|本人|个人|嫌疑人|受害人|被害人"
    "|当事人|报警人|举报人|证人|死者|伤者|驾驶人|司机|户主|失主|车主|学生|患者|女士|先生"
    "|群众报|群众反映|群众称|群众求助|市民|村民|居民|机主|号主|来电|对方|亲属|其手机"
    "|其电话|其家|他的|她的|的手机|的电话|的号码|的邮箱|男|女|岁"
)
_CONTACT_LABEL = re.compile(
    r"(?:电话|手机|热线|传真|座机|联系方式|号码|邮箱|信箱|拨打|致电|警官|tel|e-?mail|"
    + _OFFICES
    + r")[\s:为是()]*$",
    re.IGNORECASE,
)
# 到交警大队（兴州街道北环路108号）接受处理: an address in brackets after an office.
_OFFICE_BRACKET = re.compile(rf"(?:{_OFFICES})\s*\([^()]*$")
_PLACE_LABEL = re.compile("地址|位于|地点")


def _public_sentence(norm: str, start: int) -> bool:
    clause = clause_before(norm, start)
    return bool(_PUBLIC_CONTEXT.search(clause)) and not _PERSONAL_CONTEXT.search(clause)


def public_contact(norm: str, start: int) -> bool:
    """A phone number or mailbox the bureau publishes on purpose."""
    labelled = _CONTACT_LABEL.search(norm[max(0, start - 10) : start])
    return bool(labelled) and _public_sentence(norm, start)


def public_place(norm: str, start: int) -> bool:
    """An office's address (办公地址：…路18号), not a home."""
    clause = clause_before(norm, start)
    if _OFFICE_BRACKET.search(clause):
        return True
    return bool(_PLACE_LABEL.search(clause)) and _public_sentence(norm, start)


# A number introduced as a case/document/order number is not personal data.
_CASE_LABEL = re.compile(
    r"(?:编号|案号|文号|单号|流水号|受理号|登记号|批次号|警情号|凭证号|信用代码|序列号"
    r"|条码|订单号?)[\s:为是]*$"
)
_ID_LABEL = re.compile("身份证|身份号码|证件")


def labelled_as_case_number(norm: str, start: int) -> bool:
    before = norm[max(0, start - 14) : start]
    return bool(_CASE_LABEL.search(before)) and not _ID_LABEL.search(before)


_ACCOUNT_LABEL = re.compile(r"(?:银行卡号?|卡号|账号|帐号|账户|帐户)[\s:为是]*$")


def labelled_as_account(norm: str, start: int) -> bool:
    return bool(_ACCOUNT_LABEL.search(norm[max(0, start - 10) : start]))


# A bare domain may only start where a label chain starts: not after a label character,
# nor after "label." (a match there implies one from the chain's start, which finditer
# takes first, so no URL is lost). Without this every character of a long digit or
# letter run was tried as a start and each try ran to the run's end: O(n²), ~6 s for
# 20,000 digits.
_URL_RE = re.compile(
    r"(?:https?://|www\.)[^\s<>\"'()\[\]\u3000-\u303f\u4e00-\u9fff]+"
    r"|(?<![A-Za-z0-9-])(?<![A-Za-z0-9-]\.)[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*"
    r"\.(?:gov\.cn|com\.cn|org\.cn|net\.cn|com|cn|net|org)"
    r"/[^\s<>\"'()\[\]\u3000-\u303f\u4e00-\u9fff]*",
    re.IGNORECASE,
)


def url_spans(norm: str) -> Spans:
    return [m.span() for m in _URL_RE.finditer(norm)]


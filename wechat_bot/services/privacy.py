"""Privacy and secrecy screening of a notice before it can be approved.

`scan()` finds personal data (ID, phone and bank card numbers, licence plates, house
numbers, e-mail addresses, real names, named minors) and secrecy markers in a notice's
text; `apply_masks()` replaces each finding by its suggested mask.

Matching runs on a normalised copy of the text (繁→简 via OpenCC, full-width → ASCII)
that is exactly as long as the original, so every offset refers to the original text.
Plain Python: no Flask, no database. OpenCC's tables are read on first use, not at
import.

Precision matters as much as recall: approval refuses any text with a finding, so a
false alarm blocks an ordinary notice. Hence the context rules below (public contact
numbers of the bureau, case numbers, prose such as 国家秘密 are not findings).
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path

__all__ = [
    "BLOCKING_KINDS",
    "DEFAULT_SENSITIVE_WORDS",
    "KIND_LABELS",
    "SENSITIVE_MASK",
    "Finding",
    "apply_masks",
    "scan",
]


@dataclass(frozen=True)
class Finding:
    kind: str  # one of KIND_LABELS
    start: int  # character offset in the text
    end: int
    text: str  # text[start:end]
    mask: str  # suggested replacement
    message: str  # explanation for staff (简体中文)
    label: str  # short Chinese label of the kind


KIND_LABELS: dict[str, str] = {
    "id_number": "身份证号",
    "mobile": "手机号",
    "landline": "固定电话",
    "bank_card": "银行卡号",
    "plate": "车牌号",
    "address": "详细地址",
    "email": "电子邮箱",
    "name": "姓名",
    "minor": "未成年人",
    "sensitive_word": "涉密标识",
}

# Masking a secrecy marker does not make the content behind it publishable.
BLOCKING_KINDS = frozenset({"sensitive_word"})

# Classification levels (《保密法》: 绝密/机密/秘密), the 密级 field and distribution
# markings. Bare 内部 is deliberately absent: 内部控制、内部管理、内部事务、车辆内部 are
# everyday words in notices; only its marking compounds are listed. 注意保密 is absent
# too (防诈骗 advice: 验证码注意保密). Prose uses of the level words (国家秘密、商业秘密、
# 秘密窃取 …) are exempt, see _BENIGN_PHRASES.
DEFAULT_SENSITIVE_WORDS: tuple[str, ...] = (
    "绝密",
    "机密",
    "秘密",
    "涉密",
    "密级",
    "内部资料",
    "内部使用",
    "内部文件",
    "内部材料",
    "内部刊物",
    "内部参考",
    "内部传阅",
    "仅供内部",
    "不得外传",
    "严禁外传",
    "请勿外传",
    "不得扩散",
    "严禁扩散",
)

# A default word inside one of these longer phrases is prose about secrecy (or a police
# technique), not a marking: the annual report itself says 涉及国家机密、商业秘密.
_BENIGN_PHRASES: tuple[str, ...] = (
    "国家秘密", "国家机密", "商业秘密", "商业机密", "工作秘密", "个人秘密", "军事秘密",
    "军事机密", "保守秘密", "泄露秘密", "泄漏秘密", "泄露机密", "泄漏机密", "窃取机密",
    "刺探机密", "秘密窃取", "秘密蹲守", "秘密侦查", "秘密跟踪", "秘密调查", "秘密取证",
    "秘密潜入", "秘密拍摄", "秘密录音", "秘密录像", "秘密监视", "秘密交易", "秘密联系",
    "涉密信息不上网", "上网信息不涉密", "不涉密", "非涉密",
)

SENSITIVE_MASK = "【请删除】"


# --- normalisation -------------------------------------------------------------------

_WIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)}
_WIDTH[0x3000] = 0x20


@lru_cache(maxsize=1)
def _t2s():
    from opencc import OpenCC  # building the converter reads its tables: first use only

    return OpenCC("t2s")


@lru_cache(maxsize=1)
def _traditional_chars() -> frozenset[str] | None:
    """Characters t2s changes; text without any of them needs no conversion.

    OpenCC's converter costs ~1.5 ms per 1,000 characters; simplified text skips it.
    None (always convert) when the table cannot be read.
    """
    try:
        import opencc

        table = Path(opencc.__file__).parent / "dictionary" / "TSCharacters.txt"
        chars = set()
        with table.open(encoding="utf-8") as lines:
            for line in lines:
                key, _, values = line.rstrip("\n").partition("\t")
                if values.split() and values.split()[0] != key:
                    chars.add(key)
        return frozenset(chars)
    except OSError:
        return None


# OpenCC converts each run between these separators on its own, so converting only the
# runs that hold a traditional character gives the same result, faster.
_RUN_RE = re.compile(r"[^\s,.?!，。、；：？！“”（）《》【】]+")


def _to_simplified(text: str) -> str:
    trad = _traditional_chars()
    if trad is not None and trad.isdisjoint(text):
        return text

    def convert(run: re.Match) -> str:
        original = run.group()
        if trad is not None and trad.isdisjoint(original):
            return original
        simple = _t2s().convert(original)
        # Offsets must stay valid: a run whose length changed is matched as written.
        return simple if len(simple) == len(original) else original

    return _RUN_RE.sub(convert, text)


def _normalise(text: str) -> str:
    """Same length as `text`, char for char: simplified, ASCII digits and letters."""
    return _to_simplified(text).translate(_WIDTH)


def _normalise_word(word: str) -> str:
    return _normalise(word.strip())


# --- small helpers -------------------------------------------------------------------

_NOT_ALNUM_BEFORE = r"(?<![0-9A-Za-z])"
_NOT_ALNUM_AFTER = r"(?![0-9A-Za-z])"
_CLAUSE_BREAK = re.compile(r"[。；;！!？?\n]")


def _finding(
    kind: str, text: str, start: int, end: int, mask: str, message: str
) -> Finding:
    return Finding(kind, start, end, text[start:end], mask, message, KIND_LABELS[kind])


def _mask_at(original: str, positions: Iterable[int]) -> str:
    chars = list(original)
    for i in positions:
        chars[i] = "*"
    return "".join(chars)


def _mask_digits(original: str, norm: str, keep_head: int, keep_tail: int) -> str:
    """Star the digits (and a final X) of `original`, keeping the first and last few."""
    positions = [i for i, ch in enumerate(norm) if ch.isdigit() or ch in "Xx"]
    return _mask_at(original, positions[keep_head : len(positions) - keep_tail])


def _clause_before(norm: str, start: int, limit: int = 30) -> str:
    """The text of the same clause before `start` (at most `limit` characters)."""
    return _CLAUSE_BREAK.split(norm[max(0, start - limit) : start])[-1]


Spans = list[tuple[int, int]]


def _inside(spans: Spans, start: int, end: int) -> bool:
    return any(s <= start and end <= e for s, e in spans)


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
    clause = _clause_before(norm, start)
    return bool(_PUBLIC_CONTEXT.search(clause)) and not _PERSONAL_CONTEXT.search(clause)


def _public_contact(norm: str, start: int) -> bool:
    """A phone number or mailbox the bureau publishes on purpose."""
    labelled = _CONTACT_LABEL.search(norm[max(0, start - 10) : start])
    return bool(labelled) and _public_sentence(norm, start)


def _public_place(norm: str, start: int) -> bool:
    """An office's address (办公地址：…路18号), not a home."""
    clause = _clause_before(norm, start)
    if _OFFICE_BRACKET.search(clause):
        return True
    return bool(_PLACE_LABEL.search(clause)) and _public_sentence(norm, start)


# A number introduced as a case/document/order number is not personal data.
_CASE_LABEL = re.compile(
    r"(?:编号|案号|文号|单号|流水号|受理号|登记号|批次号|警情号|凭证号|信用代码|序列号"
    r"|条码|订单号?)[\s:为是]*$"
)
_ID_LABEL = re.compile("身份证|身份号码|证件")


def _labelled_as_case_number(norm: str, start: int) -> bool:
    before = norm[max(0, start - 14) : start]
    return bool(_CASE_LABEL.search(before)) and not _ID_LABEL.search(before)


_ACCOUNT_LABEL = re.compile(r"(?:银行卡号?|卡号|账号|帐号|账户|帐户)[\s:为是]*$")


def _labelled_as_account(norm: str, start: int) -> bool:
    return bool(_ACCOUNT_LABEL.search(norm[max(0, start - 10) : start]))


_URL_RE = re.compile(
    r"(?:https?://|www\.)[^\s<>\"'()\[\]\u3000-\u303f\u4e00-\u9fff]+"
    r"|[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*"
    r"\.(?:gov\.cn|com\.cn|org\.cn|net\.cn|com|cn|net|org)"
    r"/[^\s<>\"'()\[\]\u3000-\u303f\u4e00-\u9fff]*",
    re.IGNORECASE,
)


def _url_spans(norm: str) -> Spans:
    return [m.span() for m in _URL_RE.finditer(norm)]


# --- identity card numbers -------------------------------------------------------

_ID18_RE = re.compile(_NOT_ALNUM_BEFORE + r"\d{17}[0-9Xx]" + _NOT_ALNUM_AFTER)
_ID15_RE = re.compile(_NOT_ALNUM_BEFORE + r"\d{15}" + _NOT_ALNUM_AFTER)
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


def _find_id_numbers(text: str, norm: str, urls: Spans) -> Iterator[Finding]:
    for regex in (_ID18_RE, _ID15_RE):
        for m in regex.finditer(norm):
            digits = m.group()
            if not _id_shaped(digits) or _labelled_as_case_number(norm, m.start()):
                continue
            if _labelled_as_account(norm, m.start()):
                continue  # 账号/卡号 …: the bank card detector reports it
            if len(digits) == 15:
                message = "疑似15位旧版居民身份证号码"
            elif _id_check_char(digits[:17]) == digits[17].upper():
                message = "疑似居民身份证号码"
            else:
                message = "疑似身份证号码（校验位不符）"
            if message != "疑似居民身份证号码" and _inside(urls, *m.span()):
                continue
            mask = _mask_digits(text[m.start() : m.end()], digits, 3, 4)
            yield _finding("id_number", text, m.start(), m.end(), mask, message)


# --- bank cards ------------------------------------------------------------------

_CARD_RE = re.compile(
    _NOT_ALNUM_BEFORE
    + r"(?:\d{4}(?:[ -]\d{4}){2,3}(?:[ -]\d{1,3})?|\d{13,19})"
    + _NOT_ALNUM_AFTER
)
_ACCOUNT_RE = re.compile(_NOT_ALNUM_BEFORE + r"\d(?:[ -]?\d){9,24}" + _NOT_ALNUM_AFTER)


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


def _find_bank_cards(text: str, norm: str, urls: Spans) -> Iterator[Finding]:
    seen = set()
    for m in _ACCOUNT_RE.finditer(norm):
        if _labelled_as_account(norm, m.start()):
            seen.add(m.start())
            yield _card_finding(text, norm, m, "疑似银行账号")
    for m in _CARD_RE.finditer(norm):
        digits = re.sub(r"\D", "", m.group())
        if m.start() in seen or not _looks_like_card(digits):
            continue
        if _inside(urls, *m.span()) or _labelled_as_case_number(norm, m.start()):
            continue
        yield _card_finding(text, norm, m, "疑似银行卡号")


def _card_finding(text: str, norm: str, m: re.Match, message: str) -> Finding:
    mask = _mask_digits(text[m.start() : m.end()], m.group(), 4, 4)
    return _finding("bank_card", text, m.start(), m.end(), mask, message)


# --- telephone numbers -----------------------------------------------------------

_MOBILE_RE = re.compile(
    r"(?<![0-9A-Za-z+])(?:(?:\+|00)?86[ -]?)?(?P<local>1[3-9]\d(?:[ -]?\d{4}){2})"
    + _NOT_ALNUM_AFTER
)
_LANDLINE_RE = re.compile(
    _NOT_ALNUM_BEFORE
    + r"(?P<main>\(0\d{2,3}\)[ -]?\d{7,8}|0\d{2,3}[ -]\d{7,8}|0\d{9,11})"
    + r"(?:(?:-|转)\d{1,5})?"
    + _NOT_ALNUM_AFTER
)
_LOCAL_PHONE_RE = re.compile(
    r"(?:电话|联系方式|手机|座机|[Tt]el|TEL)(?:号码)?[\s:]*(?P<main>\d{7,8})" + _NOT_ALNUM_AFTER
)


def _find_mobiles(text: str, norm: str, urls: Spans) -> Iterator[Finding]:
    for m in _MOBILE_RE.finditer(norm):
        if _inside(urls, *m.span()) or _labelled_as_case_number(norm, m.start()):
            continue
        if _public_contact(norm, m.start()):
            continue
        local_start = m.start("local") - m.start()
        original = text[m.start() : m.end()]
        masked_local = _mask_digits(original[local_start:], m.group("local"), 3, 4)
        mask = original[:local_start] + masked_local
        yield _finding("mobile", text, m.start(), m.end(), mask, "疑似手机号码")


def _landline_mask(original: str, main: str, local_only: bool) -> str:
    digits = [i for i, ch in enumerate(main) if ch.isdigit()]
    if local_only:
        area = 0
    elif main.startswith(("010", "02", "(010", "(02")):
        area = 3
    else:
        area = 4
    masked_main = _mask_at(original[: len(main)], digits[area : len(digits) - 4])
    return masked_main + original[len(main) :]


def _find_landlines(text: str, norm: str, urls: Spans) -> Iterator[Finding]:
    for regex, local_only in ((_LANDLINE_RE, False), (_LOCAL_PHONE_RE, True)):
        for m in regex.finditer(norm):
            start = m.start() if not local_only else m.start("main")
            end = m.end()
            if _inside(urls, start, end) or _labelled_as_case_number(norm, start):
                continue
            if _public_contact(norm, start):
                continue
            mask = _landline_mask(text[start:end], m.group("main"), local_only)
            yield _finding("landline", text, start, end, mask, "疑似固定电话号码")


# --- e-mail ----------------------------------------------------------------------

_EMAIL_RE = re.compile(
    r"(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]+"
    r"@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}"
)


def _find_emails(text: str, norm: str, urls: Spans) -> Iterator[Finding]:
    for m in _EMAIL_RE.finditer(norm):
        domain = m.group().rsplit("@", 1)[1].lower()
        if domain.endswith(".gov.cn") or _public_contact(norm, m.start()):
            continue
        original = text[m.start() : m.end()]
        mask = original[0] + "***@" + original.rsplit("@", 1)[1]
        yield _finding("email", text, m.start(), m.end(), mask, "疑似个人电子邮箱地址")


# --- licence plates --------------------------------------------------------------

_PLATE_LETTER = "A-HJ-NP-Za-hj-np-z"  # no I or O on plates
_PLATE_RE = re.compile(
    rf"(?P<head>[京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼][{_PLATE_LETTER}])"
    r"(?P<sep>[·•・. ]?)"
    rf"(?P<tail>[{_PLATE_LETTER}0-9]{{5,6}}|[{_PLATE_LETTER}0-9]{{4}}[挂学警港澳领试超])"
    + _NOT_ALNUM_AFTER
)


def _find_plates(text: str, norm: str, urls: Spans) -> Iterator[Finding]:
    for m in _PLATE_RE.finditer(norm):
        if not any(ch.isdigit() for ch in m.group("tail")):
            continue
        tail_start = m.start("tail") - m.start()
        original = text[m.start() : m.end()]
        tail_len = len(m.group("tail"))
        mask = _mask_at(original, range(tail_start, tail_start + tail_len - 2))
        yield _finding("plate", text, m.start(), m.end(), mask, "疑似机动车号牌")


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


def _find_addresses(text: str, norm: str, urls: Spans) -> Iterator[Finding]:
    for m in _ADDRESS_RE.finditer(norm):
        start, end = m.span("num")
        if _public_place(norm, m.start()) or _RANGE_AFTER.match(norm, end):
            continue
        positions = [i for i, ch in enumerate(m.group("num")) if _NUMERAL.match(ch)]
        mask = _mask_at(text[start:end], positions)
        yield _finding("address", text, start, end, mask, "疑似详细住址（门牌号）")


# --- names and minors ------------------------------------------------------------

_SURNAMES = frozenset(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余"
    "杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史"
    "陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟"
    "殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕单季裴霍涂成苗谷盛翁冉骆蓝路游辛"
    "靳管柴蒙鲍华喻祁蒲房滕屈饶牟艾尤穆卓缪芦麦褚娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂佟"
    "臧闵苟邬卞姬栾隋刁沙荣巫寇桑郎甄丛仲虞敖巩佘池苑迟邝封匡鞠惠荆冀郁胥南班储栗燕楚鄢"
    "谌奚粟冼蔺楼闻厉仝郜阚帅屠朴练廉禹祖漆狄晋扈晁芮阙浦鹿邸雍辜裘亓邰赫杭逯嵇昝"
)
_DOUBLE_SURNAMES = frozenset(
    "欧阳 司马 上官 诸葛 东方 皇甫 尉迟 公孙 慕容 长孙 宇文 司徒 夏侯 轩辕 令狐 独孤"
    " 南宫 端木 呼延 钟离 濮阳 淳于 赫连 拓跋 申屠 太史 公羊 闻人 澹台".split()
)
# Surnames that just as often begin an ordinary word (安全、文明、高速、任何 …): a name
# with one of them counts only when punctuation, the end of text or a typical verb
# after a name (被、已、称 …) closes it; after 于/向 (prepositions first) only punctuation.
_WEAK_SURNAMES = frozenset(
    "于向何余程任方白石金江安关常严万宁陆田高马文付包尚史温康齐申单成管路游谷盛华沙荣"
    "南毛龙夏左甘易武施蓝辛蒙卫池迟封楼闻储戴曾许范钱苏"
)
# Characters that do not occur inside a given name: function words, verbs that follow a
# name in a police report, and 某 (an already masked name such as 王某某、余某亮).
_NON_NAME_CHARS = frozenset(
    "某的了着过被已在于系因将对向到等均及与和为是称说把从也都又所其该此无有不未没随当即"
    "并后前时日月年岁们个名次处要会能可须需这那里内外共遭受涉犯抓逃报案伙窃盗骗抢殴打持"
    "驾醉酒携冒趁撬闯拒讲告诉再还就才便仍亦则经以至由给让请叫男女多"
)
_HONORIFICS = (
    "师傅", "警官", "先生", "女士", "老师", "阿姨", "大爷", "大妈", "大姐", "大哥", "同学",
    "小姐", "医生", "律师", "总", "老", "哥", "姐", "叔", "伯", "婶", "奶奶", "爷爷",
)
# Ordinary words that follow role words and begin with a surname (当事人陈述、
# 驾驶人应当、学生安全 …). Function words (已、被、在、系 …) need no entry: they are not
# surnames.
_STOP_PHRASES = tuple(sorted(set("""
    于是 于当 于凌晨 于次日 于近日 于日前 于今年 于去年 于上午 于下午 于晚上 于中午 于傍晚
    于夜间 于案发 于近期 于同日 于其 向其 向民警 向警方 向公安 向派出所 向社会 向群众
    陈述 陈列 张贴 张开 周边 周围 周末 周岁 杜绝 毕业 苏醒 黄色 黎明 顾客 顾及 罗列 胡乱
    郑重 谢绝 蒙受 焦急 辛苦 蓝色 刁难 牟利 牟取 储存 鞠躬 郁闷 庞大 莫名 卫生 楼上 楼下
    楼道 迟到 迟迟 曾经 曾因 曾多次 许多 许诺 范围 钱款 钱财 钱包 戴着 戴上 戴头盔 孙子
    孙女 夏季 夏天 秦岭 龙头 毛病 雷同 韩国 安全 安排 安装 安置 文明 文化 文件 文身 高速
    高度 高中 马上 马路 何时 何处 余额 程序 任何 任务 方面 方式 方向 方法 白天 石头 金额
    江边 关于 关系 关注 常住 常见 严重 严格 严禁 万元 宁可 陆续 田间 包括 包扎 路上 路边
    路段 路口 路线 史上 温馨 康复 齐全 申请 单位 成功 成年 成员 华人 沙发 荣誉 南方 左右
    甘肃 易燃 武器 施工 游泳 游玩 管理 管控 盛行 谷歌 林间 林区 朱红 金融 汪洋 欧洲 欧元
    叶片 柳树 梅花 宋体 唐突 党员 党组织
""".split()), key=len, reverse=True))

_NAME_ROLES = (
    "犯罪嫌疑人", "违法嫌疑人", "嫌疑人", "受害人", "被害人", "当事人", "报警人", "举报人",
    "证人", "死者", "伤者", "驾驶人", "驾驶员", "司机", "户主", "失主", "学生", "患者",
    "男子", "女子", "老人", "车主", "姓名", "名叫", "被告人", "违法行为人", "行为人",
    "被处罚人",
)
_MINOR_ROLES = (
    "未成年人", "儿童", "男孩", "女孩", "男童", "女童", "少年", "孩子", "小学生", "中学生",
    "初中生", "高中生",
)
_ROLE_RE = re.compile(
    "(?P<role>"
    + "|".join(sorted(_NAME_ROLES + _MINOR_ROLES, key=len, reverse=True))
    + r")[\s:*_]{0,3}"
)
# Words that may stand right before a name given with an age: "走失儿童小明（12岁）".
_INTRO = "|".join(sorted(
    _NAME_ROLES + _MINOR_ROLES + (
        "叫", "儿子", "女儿", "孙子", "孙女", "外孙", "侄子", "之子", "之女", "小孩", "群众",
        "市民", "村民", "居民", "游客", "乘客",
    ),
    key=len, reverse=True,
))
_AGE = r"(?P<age>\d{1,3}|[一二三四五六七八九十]{1,3})\s*周?岁(?!\s*(?:以[上下]|左右|至|到|-))"
# "(男,15岁" / "(15岁" / ",男,15岁" / ",15岁" (the last only after a role word).
_AGE_CLAUSE_RE = re.compile(
    rf"\s*(?:\(\s*(?:[男女]\s*[,、]\s*)?|[,、]\s*(?P<sex>[男女]\s*[,、]\s*)?){_AGE}"
)
_NAME_BEFORE_AGE_RE = re.compile(
    rf"(?:(?P<intro>{_INTRO})[\s:*_]{{0,3}})?(?P<cand>[\u4e00-\u9fff]{{2,4}})$"
)
_AGE_BEFORE_NAME_RE = re.compile(rf"{_AGE}的(?:(?:{_INTRO})[\s:*_]{{0,3}})?")
_AGE_ENDING_RE = re.compile(rf"{_AGE}的?[\u4e00-\u9fff]{{0,6}}$")
_AFTER_NAME = frozenset("被已称系等涉因在")
# What may follow a name with a common surname: function words, verbs of a report.
_NAME_CLOSERS = _NON_NAME_CHARS | frozenset(
    "家证作供交承认投自主现私擅非违酗吸贩赌聚寻诈敲恐故死父母妻夫儿子同一二三两午晚早夜凌今"
    "走离失落溺摔跌遇突"
)
_PREPOSITION_SURNAMES = frozenset("于向")
_PSEUDONYM_RE = re.compile(r"\s*\(\s*化名")  # 王小明（化名）is not a real name
_NAME_JOINERS = ("、", "和", "及", "与")  # 犯罪嫌疑人王小明、李华
_PUNCT_END = set(",.;:!?、。；：！？()（）[]【】《》“”\"'‘’ \t\n…—")
_CN_DIGITS = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}


def _age_value(raw: str) -> int:
    if raw.isdigit():
        return int(raw)
    if "十" not in raw:
        return _CN_DIGITS.get(raw, 99)
    tens, _, ones = raw.partition("十")
    return _CN_DIGITS.get(tens, 1) * 10 + _CN_DIGITS.get(ones, 0)


def _is_name_char(ch: str) -> bool:
    return len(ch) == 1 and "\u4e00" <= ch <= "\u9fff" and ch not in _NON_NAME_CHARS


def _surname_length(norm: str, pos: int) -> int:
    if norm[pos : pos + 2] in _DOUBLE_SURNAMES:
        return 2
    return 1 if norm[pos : pos + 1] in _SURNAMES else 0


def _closed(norm: str, end: int) -> bool:
    return end >= len(norm) or norm[end] in _PUNCT_END


def _name_at(norm: str, pos: int) -> int | None:
    """End offset of a real (unmasked) name starting at `pos`, or None.

    A surname and one or two given-name characters count only when something closes
    them: punctuation, or a character that follows names in reports (王小明被…、
    张伟驾驶…). That keeps 举报人唐诗朗诵 or 学生党员干部 from reading as names.
    """
    if norm.startswith(_STOP_PHRASES, pos):
        return None
    surname = _surname_length(norm, pos)
    if not surname:
        return None
    given_start = pos + surname
    given = 0
    while given < 2 and _is_name_char(norm[given_start + given :][:1]):
        given += 1
    if not given or norm.startswith(_HONORIFICS, given_start):
        return None
    closers = _closers(norm[pos] if surname == 1 else "")
    for length in range(given, 0, -1):
        end = given_start + length
        if _closed(norm, end) or norm[end] in closers:
            return None if _PSEUDONYM_RE.match(norm, end) else end
    return None


def _closers(surname: str) -> frozenset[str]:
    if surname in _PREPOSITION_SURNAMES:
        return frozenset()
    return _AFTER_NAME if surname in _WEAK_SURNAMES else _NAME_CLOSERS


def _valid_name(cand: str) -> bool:
    """A whole candidate such as 王小明 / 欧阳明 / 小明 (nickname, used with an age)."""
    if len(cand) == 2 and cand[0] in "小阿":
        return _is_name_char(cand[1])
    surname = 2 if cand[:2] in _DOUBLE_SURNAMES else (1 if cand[0] in _SURNAMES else 0)
    given = cand[surname:]
    return (
        bool(surname)
        and 1 <= len(given) <= 2
        and all(_is_name_char(ch) for ch in given)
        and not given.startswith(_HONORIFICS)
    )


def _name_mask(original: str, norm: str) -> str:
    if norm[:1] in "小阿" and len(norm) == 2:
        return original[0] + "某"
    return original[: 2 if norm[:2] in _DOUBLE_SURNAMES else 1] + "某某"


def _age_next_to(norm: str, start: int, end: int) -> int | None:
    """The age given right after a name, or just before its role word (年仅14岁的学生…)."""
    after = _AGE_CLAUSE_RE.match(norm, end)
    if after:
        return _age_value(after.group("age"))
    before = _AGE_ENDING_RE.search(_clause_before(norm, start, 14))
    return _age_value(before.group("age")) if before else None


def _person_finding(text: str, norm: str, start: int, end: int, minor: bool) -> Finding:
    mask = _name_mask(text[start:end], norm[start:end])
    if minor:
        message = "疑似未成年人真实姓名，涉及未成年人的信息不得公开"
        return _finding("minor", text, start, end, mask, message)
    message = f"疑似真实姓名，应写作「{mask}」"
    return _finding("name", text, start, end, mask, message)


def _find_role_names(text: str, norm: str, urls: Spans) -> Iterator[Finding]:
    for m in _ROLE_RE.finditer(norm):
        pos = m.end()
        minor_role = m.group("role") in _MINOR_ROLES
        while (end := _name_at(norm, pos)) is not None:
            age = _age_next_to(norm, m.start(), end)
            minor = minor_role or (age is not None and age < 18)
            yield _person_finding(text, norm, pos, end, minor)
            if norm[end : end + 1] not in _NAME_JOINERS:
                break
            pos = end + 1


def _find_aged_names(text: str, norm: str, urls: Spans) -> Iterator[Finding]:
    for m in _AGE_CLAUSE_RE.finditer(norm):
        found = _NAME_BEFORE_AGE_RE.search(norm[max(0, m.start() - 12) : m.start()])
        if not found:
            continue
        bare_comma = m.group().lstrip()[:1] in ",、" and not m.group("sex")
        if bare_comma and found.group("intro") is None:
            continue  # "…，15岁" names someone only after a role word
        cand = found.group("cand")
        minor = _age_value(m.group("age")) < 18
        for length in range(len(cand), 1, -1):
            if _valid_name(cand[-length:]):
                yield _person_finding(text, norm, m.start() - length, m.start(), minor)
                break
    for m in _AGE_BEFORE_NAME_RE.finditer(norm):  # 年仅14岁的王小明
        end = _name_at(norm, m.end())
        if end is not None:
            minor = _age_value(m.group("age")) < 18
            yield _person_finding(text, norm, m.end(), end, minor)


# --- secrecy markers and staff words ---------------------------------------------

_DEFAULT_NORMALISED = frozenset(DEFAULT_SENSITIVE_WORDS)  # simplified and half-width


@lru_cache(maxsize=32)
def _word_regex(words: tuple[str, ...]) -> re.Pattern[str] | None:
    if not words:
        return None
    longest_first = sorted(words, key=len, reverse=True)
    return re.compile("|".join(re.escape(w) for w in longest_first))


_BENIGN_RE = _word_regex(tuple(_BENIGN_PHRASES))


def _inside_longer(spans: Spans, start: int, end: int) -> bool:
    return any(s <= start and end <= e and e - s > end - start for s, e in spans)


def _find_sensitive_words(
    text: str, norm: str, staff_words: Iterable[str]
) -> Iterator[Finding]:
    staff = {w for w in (_normalise_word(s) for s in staff_words) if w}
    regex = _word_regex(tuple(sorted(_DEFAULT_NORMALISED | staff)))
    benign = [b.span() for b in _BENIGN_RE.finditer(norm)]
    for m in regex.finditer(norm):
        word = m.group()
        is_default = word in _DEFAULT_NORMALISED
        if is_default and _inside_longer(benign, m.start(), m.end()):
            continue
        original = text[m.start() : m.end()]
        if is_default:
            message = f"含涉密标识词「{original}」，涉密内容不得公开"
        else:
            message = f"含本单位敏感词「{original}」，不宜公开"
        yield _finding(
            "sensitive_word", text, m.start(), m.end(), SENSITIVE_MASK, message
        )


# --- scan ------------------------------------------------------------------------

# When two findings overlap, the earlier kind in this tuple wins (an e-mail address may
# contain a mobile number; a name given with a minor's age is a minor).
_PRIORITY = (
    "email", "id_number", "mobile", "bank_card", "landline", "plate", "minor", "name",
    "address", "sensitive_word",
)
_DETECTORS = (
    _find_emails, _find_id_numbers, _find_mobiles, _find_bank_cards, _find_landlines,
    _find_plates, _find_aged_names, _find_role_names, _find_addresses,
)


def scan(text: str, sensitive_words: Iterable[str] = ()) -> list[Finding]:
    """Findings in `text`, sorted by start and non-overlapping.

    `sensitive_words` (the staff's list) is matched as plain substrings, 繁 or 简, on
    top of DEFAULT_SENSITIVE_WORDS.
    """
    if isinstance(sensitive_words, str):
        raise TypeError("sensitive_words must be a collection of words, not one str")
    if not text:
        return []
    norm = _normalise(text)
    urls = _url_spans(norm)
    candidates = [f for detect in _DETECTORS for f in detect(text, norm, urls)]
    candidates.extend(_find_sensitive_words(text, norm, sensitive_words))
    return _without_overlaps(candidates)


def _without_overlaps(candidates: list[Finding]) -> list[Finding]:
    rank = {kind: i for i, kind in enumerate(_PRIORITY)}
    chosen: list[Finding] = []
    for f in sorted(candidates, key=lambda f: (rank[f.kind], f.start - f.end, f.start)):
        if all(f.end <= c.start or c.end <= f.start for c in chosen):
            chosen.append(f)
    return sorted(chosen, key=lambda f: f.start)


def apply_masks(
    text: str,
    findings: Iterable[Finding] | None = None,
    sensitive_words: Iterable[str] = (),
) -> str:
    """`text` with each finding replaced by its mask (scans when findings is None)."""
    if findings is None:
        findings = scan(text, sensitive_words)
    pieces, cursor = [], 0
    for f in sorted(findings, key=lambda f: f.start):
        if f.start < cursor:
            raise ValueError("findings overlap")
        if text[f.start : f.end] != f.text:
            raise ValueError(f"finding {f.text!r} at {f.start} does not match the text")
        pieces += [text[cursor : f.start], f.mask]
        cursor = f.end
    pieces.append(text[cursor:])
    return "".join(pieces)

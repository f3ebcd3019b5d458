"""What a notice is made of: category codes, field limits, schedule times, and
the Markdown → sanitised HTML that a WeChat article accepts.

WeChat's limits (draft/add): title ≤ 32 characters, author ≤ 16, digest ≤ 128
(default: the first 54 characters of the text), content < 20,000 characters
with scripts removed. We keep to an allow-list of tags and no links at all.

Python-Markdown recurses once per nested list and rescans the rest of a
paragraph for every unclosed "[" (and html.parser for every unclosed "<tag"),
so a short hostile body can take minutes or overflow the stack; thousands of "*" and "_"
in one paragraph cost it about a second. ``check_markdown`` refuses such bodies before
Markdown sees them.
"""
from __future__ import annotations

import html
import re
from datetime import UTC, datetime, tzinfo

import markdown
import nh3

from ..errors import Invalid
from .textnorm import to_simplified

# CONTRACT.md §4
CATEGORIES: dict[str, str] = {
    "overview": "概况信息",
    "department_document": "部门文件",
    "budget": "财政预决算及三公经费",
    "emergency_plan": "应急预案",
    "penalty": "行政处罚",
    "incident": "警情",
    "police_news": "警方动态",
    "regulation": "政策法规",
    "announcement": "警方公告",
    "service_guide": "办事指南",
    "public_service": "为民服务",
    "other": "其他",
}
_ALIASES = {"警情通报": "incident", "财政预决算": "budget", "三公经费": "budget"}

TITLE_MAX = 32
AUTHOR_MAX = 16
DIGEST_MAX = 128
DIGEST_DEFAULT = 54
CONTENT_MAX = 20_000
BODY_MAX = 30_000  # Markdown source; its HTML is nearly always longer, and WeChat takes < 20,000
NESTING_MAX = 16  # list/quote markers opening one line ("- - - x" is three nested lists)
BRACKETS_MAX = 16  # unclosed "[" (or "(" of a link) within one paragraph
MARKER_LINES_MAX = 100  # lines of only "-", "=", "*", "_" (rules, underlines) within one paragraph
EMPHASIS_MAX = 1_000  # "*" and "_" within one paragraph: each pair is an element Markdown builds
ANGLE_SCAN_MAX = 1_000_000  # characters html.parser scans for the ">" of each "<tag"
YEAR_MIN, YEAR_MAX = 2000, 2099  # schedule times (and no overflow converting to or from UTC)

ALLOWED_TAGS = {"p", "br", "strong", "em", "h2", "h3", "h4", "ul", "ol", "li", "blockquote", "img", "section", "span"}
# Images must already live on WeChat's own image host (uploadimg); any other
# source would make the article fetch from outside.
IMAGE_HOSTS = ("https://mmbiz.qpic.cn/",)
_IMG_WITHOUT_SOURCE = re.compile(r"<img(?![^>]*\ssrc=)[^>]*>")


def parse_labelled(text: str, labels: dict[str, str], aliases: dict[str, str], what: str) -> str:
    """A code from a code or its Chinese label (简 or 繁) or an accepted short form;
    otherwise a one-line error listing the choices (CONTRACT §4)."""
    value = (text or "").strip()
    if value in labels:
        return value
    simplified = to_simplified(value)
    for code, label in labels.items():
        if simplified == label:
            return code
    if simplified in aliases:
        return aliases[simplified]
    choices = "、".join(f"{code}（{label}）" for code, label in labels.items())
    raise Invalid(f"未知的{what}“{value}”，可选：{choices}")


def parse_category(text: str) -> str:
    """A category code from a code or a Chinese label (简 or 繁)."""
    return parse_labelled(text, CATEGORIES, _ALIASES, "栏目")


def category_label(code: str) -> str:
    return CATEGORIES.get(code, code)


# C0/C1 control characters other than tab and line breaks, lone surrogates and the two
# noncharacters: nothing a person types, invisible in review, and PostgreSQL refuses NUL.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x84\x86-\x9f\ud800-\udfff\ufffe\uffff]")


def refuse_control_characters(text: str, field: str) -> str:
    found = _CONTROL.search(text or "")
    if found:
        raise Invalid(f"{field}含有控制字符（U+{ord(found.group()):04X}），请删除后再保存（常见于从其他软件复制的文字）")
    return text


def clean_title(title: str) -> str:
    title = " ".join(refuse_control_characters(title, "标题").split())
    if not title:
        raise Invalid("标题不能为空")
    if len(title) > TITLE_MAX:
        raise Invalid(f"标题最多 {TITLE_MAX} 个字（微信限制），现在 {len(title)} 个字")
    return title


def clean_author(author: str, default: str) -> str:
    author = " ".join(refuse_control_characters(author, "作者").split()) or default
    if len(author) > AUTHOR_MAX:
        raise Invalid(f"作者最多 {AUTHOR_MAX} 个字（微信限制），现在 {len(author)} 个字")
    return author


def clean_digest(digest: str, body: str) -> str:
    """The given digest, or the start of the body's text as WeChat would take it."""
    digest = " ".join(refuse_control_characters(digest, "摘要").split())
    if not digest:
        text = plain_text(body)
        digest = text if len(text) <= DIGEST_DEFAULT else text[: DIGEST_DEFAULT - 1] + "…"
    if len(digest) > DIGEST_MAX:
        raise Invalid(f"摘要最多 {DIGEST_MAX} 个字（微信限制），现在 {len(digest)} 个字")
    return digest


def clean_body(body: str) -> str:
    body = refuse_control_characters((body or "").replace("\r\n", "\n").replace("\r", "\n"), "正文").strip()
    if not body:
        raise Invalid("正文不能为空")
    check_length(body)
    if len(render_html(body)) > CONTENT_MAX:
        raise Invalid(f"正文太长：微信图文内容须少于 {CONTENT_MAX} 个字符")
    return body


def parse_names(text: str) -> list[str]:
    """The private names field: one or more names separated by commas, spaces or lines."""
    return [name for name in re.split(r"[\s,，、;；]+", text or "") if name]


# --- time ---------------------------------------------------------------------


def parse_local_time(text: str, tz: tzinfo) -> datetime | None:
    """ISO 8601 (or the browser's datetime-local); without an offset it is local time. → UTC."""
    value = (text or "").strip()
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00").replace(" ", "T", 1))
    except ValueError:
        raise Invalid(f"时间格式不正确：“{value}”，应为 2026-11-26T09:00 这样的格式") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=tz)
    try:  # years near 1 or 9999 overflow when moved to UTC or back to local time
        when = parsed.astimezone(UTC)
        local = when.astimezone(tz)
    except OverflowError:
        local = None
    if local is None or not YEAR_MIN <= local.year <= YEAR_MAX:
        raise Invalid(f"时间超出范围：“{value}”，请填写 {YEAR_MIN}—{YEAR_MAX} 年之间的时间")
    return when


def check_future(when: datetime | None, now: datetime) -> None:
    if when is not None and when <= now:
        raise Invalid("定时发布时间已过，请选择将来的时间（或留空表示审核通过后尽快发布）")


def local_text(when: datetime | None, tz: tzinfo, fmt: str = "%Y-%m-%d %H:%M") -> str:
    return when.astimezone(tz).strftime(fmt) if when else ""


# --- rendering ----------------------------------------------------------------

_BLANK_LINE = re.compile(r"\n[ \t]*\n")
_LEADING_MARKERS = re.compile(r"(?:[ \t]*(?:>|(?:[-*+]|\d{1,9}[.)])(?=[ \t]|$)))+")
_MARKER = re.compile(r">|[-*+](?=[ \t]|$)|\d{1,9}[.)]")
_RULE = re.compile(r"[ \t]*([-*_])(?:[ \t]*\1)*[ \t]*")  # "- - -": a horizontal rule, not lists
_BARE_MARKERS = re.compile(r"[ \t]*[-=*_][-=*_ \t]*")  # rules and heading underlines: split a paragraph
_BRACKET = re.compile(r"\\.|[\[\]()]", re.DOTALL)
_TAG_OPEN = re.compile(r"</?[A-Za-z]")
_TAG_END = re.compile(r"""(?:[^>'"]++|'[^']*+'|"[^"]*+")*+>""")


def check_length(body: str) -> None:
    if len(body or "") > BODY_MAX:
        raise Invalid(f"正文过长（上限 {BODY_MAX} 字），现在 {len(body)} 字，请删减后再试")


def check_markdown(body: str) -> None:
    """Refuse a body that would make Markdown slow or recurse too deeply (see the module docstring)."""
    check_length(body)
    text = (body or "").replace("\r\n", "\n").replace("\r", "\n")
    for paragraph in _BLANK_LINE.split(text):
        bare = 0
        for line in paragraph.split("\n"):
            bare += bool(_BARE_MARKERS.fullmatch(line))
            lead = _LEADING_MARKERS.match(line)
            nested = lead and len(_MARKER.findall(lead.group())) > NESTING_MAX
            if nested and not _RULE.fullmatch(line):
                raise Invalid(f"正文中的列表或引用嵌套过深（最多 {NESTING_MAX} 层），请减少层级")
        if bare > MARKER_LINES_MAX:
            raise Invalid(
                f"正文中的分隔线（只有“-”“=”“*”“_”的行）过多（一段之内最多 {MARKER_LINES_MAX} 行），请删去多余的分隔线"
            )
        if paragraph.count("*") + paragraph.count("_") > EMPHASIS_MAX:
            # 15,000 "_*" took Python-Markdown ~0.9 s of CPU, tying up a worker for the preview.
            raise Invalid(
                f"正文中的强调符号“*”“_”过多（一段之内最多 {EMPHASIS_MAX} 个），"
                "请删去多余的符号，或改用全角“＊”“＿”"
            )
        _check_brackets(paragraph)
    _check_angles(text)


def _check_brackets(paragraph: str) -> None:
    """Markdown scans from every "[" (and every "(" after "](") to its partner: bound the unclosed ones."""
    links = "](" in paragraph
    square = round_ = 0
    for match in _BRACKET.finditer(paragraph):
        char = match.group()
        if char == "[":
            square += 1
        elif char == "]":
            square = max(square - 1, 0)
        elif char == "(" and links:
            round_ += 1
        elif char == ")":
            round_ = max(round_ - 1, 0)
        if square > BRACKETS_MAX or round_ > BRACKETS_MAX:
            raise Invalid(
                f"正文中未配对的方括号或圆括号过多（一段之内最多 {BRACKETS_MAX} 个），"
                "请删去多余的“[”“(”，或改用中文括号【】（）"
            )


def _check_angles(text: str) -> None:
    """html.parser scans from every "<tag" to its ">" (quotes may hide a ">"): bound the total."""
    budget = ANGLE_SCAN_MAX
    for match in _TAG_OPEN.finditer(text):
        start = match.end()
        end = _TAG_END.match(text, start, min(len(text), start + budget))
        budget -= (end.end() if end else len(text)) - match.start()
        if budget < 0:
            raise Invalid("正文中未闭合的“<”过多，请删去多余的“<”，或改用全角“＜”")


def render_html(body: str) -> str:
    """Markdown → the sanitised HTML of the WeChat article (refuses hostile bodies with ``Invalid``)."""
    check_markdown(body)
    try:
        raw = markdown.markdown(body or "", extensions=["sane_lists"], output_format="html")
    except RecursionError:
        raise Invalid("正文的结构嵌套过深，无法排版，请减少列表或引用的层级") from None
    raw = re.sub(r"<(/?)h1\b", r"<\1h2", raw)  # the title is the h1 of an article
    raw = re.sub(r"<(/?)h[56]\b", r"<\1h4", raw)
    cleaned = nh3.clean(
        raw,
        tags=ALLOWED_TAGS,
        clean_content_tags={"script", "style", "iframe", "object", "embed", "noscript", "template"},
        attributes={"img": {"src", "alt"}},
        attribute_filter=_keep_attribute,
        url_schemes={"https"},
        link_rel=None,
        strip_comments=True,
    )
    return _IMG_WITHOUT_SOURCE.sub("", cleaned)


def _keep_attribute(tag: str, attribute: str, value: str) -> str | None:
    if tag == "img" and attribute == "src" and not value.startswith(IMAGE_HOSTS):
        return None
    return value


def plain_text(body: str) -> str:
    text = re.sub(r"<[^>]+>", " ", render_html(body))
    return " ".join(html.unescape(text).split())

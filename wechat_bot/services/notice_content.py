"""What a notice is made of: category codes, field limits, schedule times, and
the Markdown → sanitised HTML that a WeChat article accepts.

WeChat's limits (draft/add): title ≤ 32 characters, author ≤ 16, digest ≤ 128
(default: the first 54 characters of the text), content < 20,000 characters
with scripts removed. We keep to an allow-list of tags and no links at all.
"""
from __future__ import annotations

import html
import re
from dataclasses import dataclass
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

ALLOWED_TAGS = {"p", "br", "strong", "em", "h2", "h3", "h4", "ul", "ol", "li", "blockquote", "img", "section", "span"}
# Images must already live on WeChat's own image host (uploadimg); any other
# source would make the article fetch from outside.
IMAGE_HOSTS = ("https://mmbiz.qpic.cn/",)
MARK_OPEN, MARK_CLOSE = "\ue000", "\ue001"  # private-use sentinels around findings
_IMG_WITHOUT_SOURCE = re.compile(r"<img(?![^>]*\ssrc=)[^>]*>")


def parse_category(text: str) -> str:
    """A category code from a code or a Chinese label (简 or 繁)."""
    value = (text or "").strip()
    if value in CATEGORIES:
        return value
    simplified = to_simplified(value)
    for code, label in CATEGORIES.items():
        if simplified == label:
            return code
    if simplified in _ALIASES:
        return _ALIASES[simplified]
    choices = "、".join(f"{code}（{label}）" for code, label in CATEGORIES.items())
    raise Invalid(f"未知的栏目“{value}”，可选：{choices}")


def category_label(code: str) -> str:
    return CATEGORIES.get(code, code)


def clean_title(title: str) -> str:
    title = " ".join((title or "").split())
    if not title:
        raise Invalid("标题不能为空")
    if len(title) > TITLE_MAX:
        raise Invalid(f"标题最多 {TITLE_MAX} 个字（微信限制），现在 {len(title)} 个字")
    return title


def clean_author(author: str, default: str) -> str:
    author = " ".join((author or "").split()) or default
    if len(author) > AUTHOR_MAX:
        raise Invalid(f"作者最多 {AUTHOR_MAX} 个字（微信限制），现在 {len(author)} 个字")
    return author


def clean_digest(digest: str, body: str) -> str:
    """The given digest, or the start of the body's text as WeChat would take it."""
    digest = " ".join((digest or "").split())
    if not digest:
        text = plain_text(body)
        digest = text if len(text) <= DIGEST_DEFAULT else text[: DIGEST_DEFAULT - 1] + "…"
    if len(digest) > DIGEST_MAX:
        raise Invalid(f"摘要最多 {DIGEST_MAX} 个字（微信限制），现在 {len(digest)} 个字")
    return digest


def clean_body(body: str) -> str:
    body = (body or "").replace("\r\n", "\n").strip()
    if not body:
        raise Invalid("正文不能为空")
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
    return parsed.astimezone(UTC)


def check_future(when: datetime | None, now: datetime) -> None:
    if when is not None and when <= now:
        raise Invalid("定时发布时间已过，请选择将来的时间（或留空表示审核通过后尽快发布）")


def local_text(when: datetime | None, tz: tzinfo, fmt: str = "%Y-%m-%d %H:%M") -> str:
    return when.astimezone(tz).strftime(fmt) if when else ""


# --- rendering ----------------------------------------------------------------


def render_html(body: str) -> str:
    """Markdown → the sanitised HTML of the WeChat article."""
    raw = markdown.markdown(body or "", extensions=["sane_lists"], output_format="html")
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


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    title: str


def render_highlighted(body: str, spans: list[Span]) -> str:
    """The article HTML with each span of the Markdown source wrapped in <mark>."""
    ordered = sorted(spans, key=lambda s: s.start)
    pieces: list[str] = []
    cursor = 0
    titles: list[str] = []
    for span in ordered:
        if span.start < cursor:
            continue  # overlapping findings: the first one marks the text
        pieces += [body[cursor : span.start], MARK_OPEN, body[span.start : span.end], MARK_CLOSE]
        titles.append(span.title)
        cursor = span.end
    pieces.append(body[cursor:])
    rendered = render_html("".join(pieces))
    for title in titles:
        rendered = rendered.replace(MARK_OPEN, f'<mark class="finding" title="{html.escape(title)}">', 1)
    return rendered.replace(MARK_OPEN, "").replace(MARK_CLOSE, "</mark>")

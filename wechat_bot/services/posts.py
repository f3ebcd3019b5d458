"""The post log: recording what was published, on any channel, exactly once.

Every writer (the publishing sweep, ``posts import``, the console form) goes through
``record``; the row's ``dedup_key`` makes a second write of the same publication a no-op.
"""
from __future__ import annotations

import hashlib
from datetime import UTC, datetime, tzinfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..errors import Invalid
from ..models.base import utcnow
from ..models.post import CHANNELS, Post
from .notice_content import parse_labelled


def local_year(when: datetime, tz: tzinfo) -> int:
    """The bureau's year of a moment: 2019-12-31 16:10 UTC is 2020 in Asia/Shanghai."""
    return when.astimezone(tz).year


def dedup_key(*, channel: str, published_at: datetime, title: str, external_id: str | None = None) -> str:
    """CONTRACT §5: ``external_id`` when given, else channel + published_at + title."""
    if external_id:
        raw = f"ext\x1f{channel}\x1f{external_id.strip()}"
    else:
        stamp = published_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S")
        raw = f"row\x1f{channel}\x1f{stamp}\x1f{' '.join(title.split())}"
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def notice_key(notice_id: int) -> str:
    """The key of the post a published notice became: one notice, one post."""
    return hashlib.sha256(f"notice\x1f{notice_id}".encode()).hexdigest()


def find(session: Session, key: str) -> Post | None:
    return session.scalar(select(Post).where(Post.dedup_key == key))


def record(session: Session, *, tz: tzinfo, channel: str, category: str, title: str, published_at: datetime,
           source: str, key: str | None = None, url: str = "", external_id: str | None = None,
           created_by: str = "", **fields) -> tuple[Post, bool]:
    """Add a post unless one with the same key exists; returns (post, created).

    The caller commits. ``fields`` are further Post columns (notice_id, msg_id, original …).
    """
    key = key or dedup_key(channel=channel, published_at=published_at, title=title, external_id=external_id)
    existing = find(session, key)
    if existing is not None:
        return existing, False
    post = Post(channel=channel, category=category, title=title, published_at=published_at,
                local_year=local_year(published_at, tz), url=url or "", external_id=external_id or None,
                dedup_key=key, source=source, created_by=created_by, created_at=utcnow(), **fields)
    session.add(post)
    session.flush()
    return post, True


# --- channels, and one post entered by hand ------------------------------------------------

TITLE_MAX = 256  # the column; a website title can be far longer than WeChat's 32
URL_MAX = 2000
EXTERNAL_ID_MAX = 128
_CHANNEL_ALIASES = {"微信": "wechat", "公众号": "wechat", "网站": "website", "政府网站": "website",
                    "阳光警务": "sunshine_police", "执法办案公开系统": "sunshine_police"}


def parse_channel(text: str) -> str:
    """A channel code from a code or a Chinese label (简 or 繁), as CONTRACT §4."""
    return parse_labelled(text, CHANNELS, _CHANNEL_ALIASES, "渠道")


def channel_label(code: str) -> str:
    return CHANNELS.get(code, code)


def clean_title(title: str) -> str:
    title = " ".join((title or "").split())
    if not title:
        raise Invalid("标题不能为空")
    if len(title) > TITLE_MAX:
        raise Invalid(f"标题最多 {TITLE_MAX} 个字，现在 {len(title)} 个字")
    return title


def clean_url(url: str) -> str:
    url = (url or "").strip()
    if not url:
        return ""
    if len(url) > URL_MAX:
        raise Invalid(f"链接最长 {URL_MAX} 个字符")
    if not url.lower().startswith(("http://", "https://")) or any(ch.isspace() for ch in url):
        raise Invalid(f"链接应以 http:// 或 https:// 开头且不含空格：“{url[:80]}”")
    return url


def clean_external_id(external_id: str) -> str | None:
    external_id = (external_id or "").strip()
    if len(external_id) > EXTERNAL_ID_MAX:
        raise Invalid(f"external_id 最长 {EXTERNAL_ID_MAX} 个字符")
    return external_id or None


def add_by_hand(session: Session, *, tz: tzinfo, by: str, channel: str, category: str, title: str,
                published_at: str, url: str = "", external_id: str = "") -> tuple[Post, bool]:
    """The console form: one post on any channel, checked like an imported row; idempotent.

    Commits. Returns (post, created); created is False when the same post is already logged.
    """
    from .notice_content import parse_category, parse_local_time

    when = parse_local_time(published_at, tz)
    if when is None:
        raise Invalid("请填写发布时间")
    post, created = record(
        session, tz=tz, channel=parse_channel(channel), category=parse_category(category),
        title=clean_title(title), published_at=when, source="console", url=clean_url(url),
        external_id=clean_external_id(external_id), created_by=by,
    )
    session.commit()
    return post, created

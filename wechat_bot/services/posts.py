"""The post log: recording what was published, on any channel, exactly once.

Every writer (the publishing sweep, ``posts import``, the console form) goes through
``record``; the row's ``dedup_key`` makes a second write of the same publication a no-op.
"""
from __future__ import annotations

import hashlib
from datetime import UTC, datetime, tzinfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models.base import utcnow
from ..models.post import Post


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

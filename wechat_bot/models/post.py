"""The post log: one row per article or item actually published, on any channel.

This is what the annual government-information-disclosure report counts, so a
row is written once per real publication and never twice: WeChat rows are keyed
by the notice they came from (``notice_id``, unique), imported rows by
``external_id`` when given, else by channel + published_at + title (``dedup_key``).
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, UTCDateTime

# CONTRACT.md §4 (categories are in services/notice_content.py: CATEGORIES)
CHANNELS: dict[str, str] = {
    "wechat": "微信公众号",
    "website": "政府信息公开网站",
    "sunshine_police": "阳光警务执法办案公开系统",
    "weibo": "微博",
    "other": "其他",
}
SOURCES = ("publish", "import", "console")


class Post(Base):
    __tablename__ = "posts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel: Mapped[str] = mapped_column(String(32), index=True)
    category: Mapped[str] = mapped_column(String(32), index=True)
    title: Mapped[str] = mapped_column(String(256))
    published_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)  # UTC; count in local time
    # The bureau's local year of published_at, stored so a year's tallies are one indexed query.
    local_year: Mapped[int] = mapped_column(Integer, index=True)
    url: Mapped[str] = mapped_column(Text, default="")
    external_id: Mapped[str | None] = mapped_column(String(128))
    # Idempotency: external_id when given, else channel|published_at|title (see posts service).
    dedup_key: Mapped[str] = mapped_column(String(64), unique=True)
    source: Mapped[str] = mapped_column(String(16), default="import")  # publish | import | console
    notice_id: Mapped[int | None] = mapped_column(ForeignKey("notices.id"), index=True)
    article_index: Mapped[int | None] = mapped_column(Integer)  # position in a WeChat bundle (0-based)
    original: Mapped[bool] = mapped_column(Boolean, default=False)  # 原创
    msg_id: Mapped[str | None] = mapped_column(String(64), index=True)  # mass send
    publish_id: Mapped[str | None] = mapped_column(String(64), index=True)  # freepublish
    article_id: Mapped[str | None] = mapped_column(String(128))
    # From MASSSENDJOBFINISH; null until the event arrives (or for other channels).
    sent_count: Mapped[int | None] = mapped_column(Integer)
    error_count: Mapped[int | None] = mapped_column(Integer)
    filter_count: Mapped[int | None] = mapped_column(Integer)
    total_count: Mapped[int | None] = mapped_column(Integer)
    created_by: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

"""A notice (公告/通报/动态…) on its way through review to publication, and its audit trail."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, LargeBinary, String, Text, event
from sqlalchemy.orm import Mapped, deferred, mapped_column

from .base import Base, UTCDateTime

STATES = ("draft", "in_review", "approved", "publishing", "published", "rejected", "withdrawn", "failed")
STATE_LABELS = {
    "draft": "草稿",
    "in_review": "审核中",
    "approved": "已通过（待发布）",
    "publishing": "发布中",
    "published": "已发布",
    "rejected": "已退回",
    "withdrawn": "已撤回",
    "failed": "发布失败",
}


class Notice(Base):
    __tablename__ = "notices"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(64))
    category: Mapped[str] = mapped_column(String(32), index=True)
    body: Mapped[str] = mapped_column(Text, default="")  # Markdown, as staff wrote it
    content_html: Mapped[str] = mapped_column(Text, default="")  # sanitised HTML for WeChat
    digest: Mapped[str] = mapped_column(String(256), default="")
    author: Mapped[str] = mapped_column(String(32), default="")
    original: Mapped[bool] = mapped_column(Boolean, default=False)  # 原创声明
    # Names of the people involved (victims, suspects, witnesses): never published,
    # only checked for — a hit in the text is a finding to mask (王某某).
    private_names: Mapped[str] = mapped_column(Text, default="")
    cover_data: Mapped[bytes | None] = deferred(mapped_column(LargeBinary))
    cover_mime: Mapped[str | None] = mapped_column(String(32))
    cover_size: Mapped[int | None] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(16), default="draft", index=True)
    review_step: Mapped[int] = mapped_column(Integer, default=0)  # approvals given this round
    scheduled_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    failure_reason: Mapped[str | None] = mapped_column(Text)
    bundle_id: Mapped[int | None] = mapped_column(Integer, index=True)  # the WeChat message it went out in
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Optimistic lock: two reviewers acting on the same step at once cannot both win.
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}

    @property
    def state_label(self) -> str:
        return STATE_LABELS.get(self.state, self.state)

    @property
    def has_cover(self) -> bool:
        return bool(self.cover_mime)


class NoticeEvent(Base):
    """One immutable line of a notice's audit trail: who did what, when, from which state to which."""

    __tablename__ = "notice_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    notice_id: Mapped[int] = mapped_column(ForeignKey("notices.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    actor_name: Mapped[str] = mapped_column(String(64))  # as named at the time
    action: Mapped[str] = mapped_column(String(24))
    from_state: Mapped[str] = mapped_column(String(16))
    to_state: Mapped[str] = mapped_column(String(16))
    step: Mapped[int | None] = mapped_column(Integer)
    comment: Mapped[str] = mapped_column(Text, default="")
    details: Mapped[str] = mapped_column(Text, default="")  # JSON: findings summary etc.


class AuditTrailIsImmutable(RuntimeError):
    pass


@event.listens_for(NoticeEvent, "before_update")
def _refuse_update(_mapper, _connection, target: NoticeEvent) -> None:
    raise AuditTrailIsImmutable(f"审核记录不可修改（#{target.id}）")


@event.listens_for(NoticeEvent, "before_delete")
def _refuse_delete(_mapper, _connection, target: NoticeEvent) -> None:
    raise AuditTrailIsImmutable(f"审核记录不可删除（#{target.id}）")

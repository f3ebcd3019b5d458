"""Consultations (留言办理): what a citizen asked a person, every message of it,
and the questions no guide answered (counted anonymously)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, UTCDateTime

KINDS = ("咨询", "求助", "投诉", "建议")
STATUS_LABELS = {"open": "待办理", "answered": "已办结"}
# How a staff answer reached the citizen: through WeChat, or another way once
# WeChat's 48-hour window had closed.
VIA_WECHAT = "微信"
OTHER_WAYS = ("电话", "当面", "其他")
# What replaces a citizen's words once erased (unsubscribe, or older than keep_days).
ERASED_TEXT = "（内容已按规定删除）"


class Consultation(Base):
    __tablename__ = "consultations"
    # Every citizen message looks up the sender's open consultation by (openid, status).
    # With openid and status indexed apart, SQLite (which has no statistics unless
    # ANALYZE runs) walked the status index's "open" entries: a message's cost grew
    # with the unanswered backlog. One index on both is a direct look-up everywhere.
    __table_args__ = (Index("ix_consultations_openid_status", "openid", "status"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # Cleared when the citizen unsubscribes (WeChat requires deleting their data);
    # the row stays so the annual counts still add up.
    openid: Mapped[str | None] = mapped_column(String(64))
    # The citizen's words when it opened (their recent messages and this one),
    # for the inbox list; every message is in ConsultationMessage.
    text: Mapped[str] = mapped_column(Text, default="")
    guide_id: Mapped[str | None] = mapped_column(String(64))
    channel: Mapped[str] = mapped_column(String(32), default="wechat")
    status: Mapped[str] = mapped_column(String(16), default="open", index=True)  # open | answered
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)  # received
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    answered_by: Mapped[str | None] = mapped_column(String(64))
    answer_text: Mapped[str | None] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(8), default="咨询")
    kind_by: Mapped[str | None] = mapped_column(String(64))  # staff who corrected the guess
    answered_via: Mapped[str | None] = mapped_column(String(8))  # 微信 | 电话 | 当面 | 其他
    # WeChat's customer-service window: 48 h after the citizen's last message, 5 replies.
    last_citizen_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    replies_in_window: Mapped[int] = mapped_column(Integer, default=0)

    messages: Mapped[list[ConsultationMessage]] = relationship(
        back_populates="consultation", order_by="ConsultationMessage.id", cascade="all, delete-orphan"
    )


class ConsultationMessage(Base):
    """One message of a consultation, in order: the citizen's (text or voice) or staff's."""

    __tablename__ = "consultation_messages"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultations.id", ondelete="CASCADE"), index=True)
    direction: Mapped[str] = mapped_column(String(8))  # in | out
    source: Mapped[str] = mapped_column(String(16))  # text | voice | 微信 | 电话 | 当面 | 其他
    text: Mapped[str] = mapped_column(Text, default="")
    author: Mapped[str | None] = mapped_column(String(64))  # staff name for "out"
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)

    consultation: Mapped[Consultation] = relationship(back_populates="messages")


class UnansweredQuestion(Base):
    """A question no guide answered, by normalised text: no openid, just how often and when."""

    __tablename__ = "unanswered_questions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    normalised_text: Mapped[str] = mapped_column(String(200), unique=True)
    count: Mapped[int] = mapped_column(Integer, default=0)
    first_seen: Mapped[datetime] = mapped_column(UTCDateTime)
    last_seen: Mapped[datetime] = mapped_column(UTCDateTime, index=True)

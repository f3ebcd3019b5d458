"""Publishing state: one bundle per WeChat message, and the media we uploaded once.

A ``PublishBundle`` is created in the same transaction that moves its notices
approved → publishing (a compare-and-set on each notice's state), before any
WeChat call. Its ``key`` is the idempotency key: the mass send's ``clientmsgid``
is derived from it, so a retry can only get 45065 and the existing msg_id.
``slot`` names the mass-send quota slot the bundle uses (unique: two sweepers
cannot both take today's only send of a 订阅号).
"""
from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy import Boolean, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, UTCDateTime

# claimed → drafted → sent (mass) → done
#                   ↘ submitted (publish) → done
# any → failed
BUNDLE_STATES = ("claimed", "drafted", "submitted", "sent", "done", "failed")
OPEN_STATES = ("claimed", "drafted", "submitted", "sent")


class PublishBundle(Base):
    __tablename__ = "publish_bundles"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(40), unique=True)
    mode: Mapped[str] = mapped_column(String(8))  # mass | publish
    state: Mapped[str] = mapped_column(String(12), index=True)
    slot: Mapped[str | None] = mapped_column(String(40), unique=True)
    notice_ids: Mapped[str] = mapped_column(Text, default="[]")  # JSON list, article order
    media_id: Mapped[str | None] = mapped_column(String(128))  # the draft
    send_attempted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    msg_id: Mapped[str | None] = mapped_column(String(64), index=True)
    msg_data_id: Mapped[str | None] = mapped_column(String(64))
    publish_id: Mapped[str | None] = mapped_column(String(64), index=True)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    job_status: Mapped[str | None] = mapped_column(String(64))  # MASSSENDJOBFINISH Status / publish_status
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    last_error: Mapped[str | None] = mapped_column(Text)
    locked_by: Mapped[str | None] = mapped_column(String(64))
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

    @property
    def ids(self) -> list[int]:
        return [int(i) for i in json.loads(self.notice_ids or "[]")]

    @property
    def clientmsgid(self) -> str:
        return f"ly-{self.key}"


class WeChatMedia(Base):
    """A cover uploaded once: its permanent thumb media_id and its uploadimg URL, by content hash."""

    __tablename__ = "wechat_media"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    thumb_media_id: Mapped[str | None] = mapped_column(String(128))
    image_url: Mapped[str | None] = mapped_column(Text)
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime)


class JobEvent(Base):
    """A MASSSENDJOBFINISH / PUBLISHJOBFINISH as received, kept until it is applied.

    WeChat can finish a job before we learn its msg_id (the sendall answer was
    lost; a later retry gets 45065): the event waits here for its bundle.
    """

    __tablename__ = "publish_job_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(8))  # mass | publish
    ref: Mapped[str] = mapped_column(String(64), index=True)  # msg_id | publish_id
    payload: Mapped[str] = mapped_column(Text)  # the event fields, JSON
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    applied: Mapped[bool] = mapped_column(Boolean, default=False)

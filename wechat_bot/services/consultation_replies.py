"""Staff answers to consultations.

Through WeChat's customer-service message API while the window the citizen opened
allows it (48 hours after their last message, at most 5 messages); once it has
closed, staff answer another way (电话, 当面, 其他) and record it here. The first
answer marks the consultation answered: when, by whom and how.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from ..errors import Invalid, UpstreamError
from ..models import Consultation, ConsultationMessage
from ..models.consultation import OTHER_WAYS, VIA_WECHAT
from .consultations import get
from .notice_content import local_text

WINDOW = timedelta(hours=48)
WINDOW_REPLIES = 5
MAX_REPLY_BYTES = 2000  # WeChat refuses text over 2048 bytes (45002)
CLOSED_CODES = (45015, 45047)  # outside the window / its replies used up


class WindowClosed(Invalid):
    """WeChat no longer lets us message this citizen: answer another way and record it."""


@dataclass(frozen=True)
class Window:
    open: bool
    reason: str
    closes_at: datetime | None = None
    replies_left: int = 0


def window(c: Consultation, now: datetime, tz: ZoneInfo) -> Window:
    """Whether a reply can still go through WeChat, and if not, why — in words for staff."""
    if c.openid is None:
        return Window(False, "群众已取消关注公众号，无法再通过微信回复。")
    if c.last_citizen_at is None:
        return Window(False, "没有群众最后留言的时间，无法通过微信回复。")
    closes = c.last_citizen_at + WINDOW
    if now >= closes:
        return Window(False, f"微信回复时限已过：群众最后一次发消息在 {local_text(c.last_citizen_at, tz)}，"
                             f"公众号只能在此后48小时内（至 {local_text(closes, tz)}）回复。", closes)
    left = WINDOW_REPLIES - (c.replies_in_window or 0)
    if left <= 0:
        return Window(False, "微信规定群众每次发消息后公众号最多回复5条，本轮已用完，需等群众再次发消息。", closes)
    return Window(True, "", closes, left)


def clean_text(text: str) -> str:
    text = (text or "").strip()
    if not text:
        raise Invalid("答复内容不能为空")
    if len(text.encode("utf-8")) > MAX_REPLY_BYTES:
        raise Invalid(f"答复内容过长（{len(text.encode('utf-8'))} 字节，微信最多约 {MAX_REPLY_BYTES} 字节，约 660 个汉字），请精简或分条发送")
    return text


def reply(db: Session, gateway: Any, consultation_id: int, *, by: str, text: str,
          now: datetime, tz: ZoneInfo) -> Consultation:
    """Send staff's answer through WeChat; refused (nothing recorded) once the window has closed."""
    c = get(db, consultation_id)
    text = clean_text(text)
    state = window(c, now, tz)
    if not state.open:
        raise WindowClosed(state.reason + "请改用电话等方式答复，并登记答复方式。")
    try:
        gateway.send_text(c.openid, text)
    except UpstreamError as exc:
        if exc.errcode in CLOSED_CODES:
            raise WindowClosed(f"微信拒绝发送：{exc.message}。请改用电话等方式答复，并登记答复方式。") from None
        raise
    c.replies_in_window = (c.replies_in_window or 0) + 1
    _answered(c, by, text, VIA_WECHAT, now)
    db.commit()
    return c


def record(db: Session, consultation_id: int, *, by: str, text: str, via: str, now: datetime) -> Consultation:
    """Staff answered another way (telephone, in person…): record what was said and how."""
    if via not in OTHER_WAYS:
        raise Invalid(f"答复方式只能是{'、'.join(OTHER_WAYS)}之一")
    c = get(db, consultation_id)
    text = clean_text(text)
    _answered(c, by, text, via, now)
    db.commit()
    return c


def _answered(c: Consultation, by: str, text: str, via: str, now: datetime) -> None:
    c.messages.append(ConsultationMessage(direction="out", source=via, text=text, author=by, created_at=now))
    if c.status != "answered":
        c.status = "answered"
        c.answered_at = now
        c.answered_by = by
        c.answer_text = text
        c.answered_via = via

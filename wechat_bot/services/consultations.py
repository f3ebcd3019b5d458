"""Consultations: questions no guide answers, which staff answer within WeChat's
48-hour customer-service window."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from ..models import Consultation

MAX_TEXT = 2000


def record(db: Session, *, openid: str, text: str, now: datetime, guide_id: str | None = None, channel: str = "wechat") -> Consultation:
    """Create the record staff will answer; the citizen's words are kept as sent."""
    consultation = Consultation(
        openid=openid,
        text=text[:MAX_TEXT],
        guide_id=guide_id,
        channel=channel,
        status="open",
        created_at=now,
    )
    db.add(consultation)
    db.commit()
    return consultation

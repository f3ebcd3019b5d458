"""The year's consultation figures for the annual report (留言办理: 收到 / 办结 / 平均办理时间).

Counted from the ``consultations`` table in the bureau's local year of ``created_at``
(received); answered = status ``answered`` with ``answered_at`` set; the average is
over the answered ones, in hours from received to answered.
"""
from __future__ import annotations

from datetime import UTC, datetime, tzinfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..models import Consultation


def year_bounds(year: int, tz: tzinfo) -> tuple[datetime, datetime]:
    """[start, end) of the bureau's local year, in UTC."""
    start = datetime(year, 1, 1, tzinfo=tz).astimezone(UTC)
    end = datetime(year + 1, 1, 1, tzinfo=tz).astimezone(UTC)
    return start, end


def consultation_figures(session: Session, year: int, tz: tzinfo) -> dict:
    """{"received": N, "answered": N, "avg_response_hours": float | None} for the local year."""
    start, end = year_bounds(year, tz)
    in_year = (Consultation.created_at >= start, Consultation.created_at < end)
    received = session.scalar(select(func.count()).select_from(Consultation).where(*in_year)) or 0
    pairs = session.execute(
        select(Consultation.created_at, Consultation.answered_at).where(
            *in_year, Consultation.status == "answered", Consultation.answered_at.is_not(None)
        )
    ).all()
    hours = [(answered - created).total_seconds() / 3600 for created, answered in pairs]
    average = round(sum(hours) / len(hours), 1) if hours else None
    return {"received": received, "answered": len(hours), "avg_response_hours": average}

"""Mass-send quota slots, counted in the bureau's time zone (wechat-platform.md §2.4).

订阅号 (subscription): one mass send per local day → slot ``mass:2026-11-25``.
服务号 (service): four mass sends to all followers per local month → slots
``mass:2026-11#1`` … ``#4``. A bundle takes its slot in the database (unique
column), so two sweepers can never both use the same send; a slot is given
back only when WeChat was never asked to send.
"""
from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, time, timedelta, tzinfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models.publish import PublishBundle

SERVICE_PER_MONTH = 4


def slots_for(account_type: str, now: datetime, tz: tzinfo) -> list[str]:
    """The slot names that cover ``now``: today's (订阅号) or this month's four (服务号)."""
    local = now.astimezone(tz)
    if account_type == "service":
        month = local.strftime("%Y-%m")
        return [f"mass:{month}#{n}" for n in range(1, SERVICE_PER_MONTH + 1)]
    return [f"mass:{local.strftime('%Y-%m-%d')}"]


def taken(session: Session, names: Iterable[str]) -> set[str]:
    names = list(names)
    return set(session.scalars(select(PublishBundle.slot).where(PublishBundle.slot.in_(names))))


def free_slot(session: Session, account_type: str, now: datetime, tz: tzinfo) -> str | None:
    """The first free slot now, or None when the quota of the day / month is used."""
    names = slots_for(account_type, now, tz)
    used = taken(session, names)
    return next((name for name in names if name not in used), None)


def next_period_start(account_type: str, now: datetime, tz: tzinfo) -> datetime:
    """When the next day (订阅号) or month (服务号) begins, local midnight, as UTC-aware."""
    local = now.astimezone(tz)
    if account_type == "service":
        year, month = (local.year + 1, 1) if local.month == 12 else (local.year, local.month + 1)
        start = datetime(year, month, 1, tzinfo=tz)
    else:
        start = datetime.combine(local.date() + timedelta(days=1), time(0, 0), tzinfo=tz)
    return start.astimezone(now.tzinfo)


def next_slot_at(session: Session, account_type: str, now: datetime, tz: tzinfo) -> datetime:
    """When a mass send is next allowed: now if a slot is free, else the next period's start."""
    if free_slot(session, account_type, now, tz) is not None:
        return now
    return next_period_start(account_type, now, tz)

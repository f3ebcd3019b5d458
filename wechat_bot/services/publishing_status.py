"""What the console says about publishing: overdue notices, the next quota slot, the
scheduler's heartbeat, and how long the account has been quiet (from the post log)."""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta, tzinfo
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..models.notice import Notice
from ..models.post import Post
from ..models.publish import OPEN_STATES, PublishBundle
from . import publishing_quota as quota

log = logging.getLogger(__name__)

HEARTBEAT_SILENCE = timedelta(minutes=2)
GUARD_WARN_DAYS = 10  # the 政务新媒体 inspection fails at 14
GUARD_FAIL_DAYS = 14


@dataclass
class Quiet:
    last_post_at: datetime | None
    days: int | None
    level: str  # ok | warn | fail

    @property
    def message(self) -> str:
        if self.days is None:
            return "公众号还没有发布过稿件（发布记录中没有公众号发文）。政务公众号连续 14 天不更新会被判定为检查不合格，请尽快安排发布。"
        if self.level == "fail":
            return f"公众号已经 {self.days} 天没有发文，超过 14 天未更新，检查将被判定为不合格，请立即安排发布。"
        if self.level == "warn":
            return f"公众号已经 {self.days} 天没有发文。连续 14 天不更新会被判定为检查不合格，请尽快安排发布。"
        return f"距公众号上次发文 {self.days} 天。"


def quiet(session: Session, now: datetime, tz: tzinfo) -> Quiet:
    """Days since the last WeChat post in the post log (the log, not the notices, is what counts)."""
    last = session.scalar(select(func.max(Post.published_at)).where(Post.channel == "wechat"))
    if last is None:
        return Quiet(None, None, "fail")
    days = (now.astimezone(tz).date() - last.astimezone(tz).date()).days
    level = "fail" if days >= GUARD_FAIL_DAYS else "warn" if days >= GUARD_WARN_DAYS else "ok"
    return Quiet(last, days, level)


def inactivity_guard(session: Session, store: Any, now: datetime, tz: tzinfo) -> Quiet:
    """The daily check: log a warning at 10 quiet days and keep the result for the dashboard."""
    result = quiet(session, now, tz)
    if result.level != "ok":
        log.warning("inactivity guard: %s", result.message)
    store.redis.set(store.key("publishing", "guard"), f"{now.isoformat()}|{result.level}|{result.message}",
                    ex=3 * 86400)
    return result


def guard_result(store: Any) -> tuple[datetime, str, str] | None:
    raw = store.redis.get(store.key("publishing", "guard"))
    if not raw:
        return None
    at, level, message = (raw.decode() if isinstance(raw, bytes) else raw).split("|", 2)
    return datetime.fromisoformat(at), level, message


def heartbeat(store: Any) -> datetime | None:
    raw = store.redis.get(store.key("scheduler", "heartbeat"))
    if not raw:
        return None
    return datetime.fromisoformat(raw.decode() if isinstance(raw, bytes) else raw)


@dataclass
class Overview:
    overdue: list[Notice]
    next_slot: datetime | None  # None: no quota (publish mode)
    slot_free_now: bool
    waiting: list[PublishBundle]
    heartbeat_at: datetime | None
    scheduler_alive: bool
    quiet: Quiet
    guard: tuple[datetime, str, str] | None
    mode: str
    account_type: str
    sweep_seconds: int
    notes: list[str] = field(default_factory=list)


def overview(session: Session, store: Any, settings: Any, now: datetime) -> Overview:
    tz = settings.tz
    overdue = list(session.scalars(select(Notice).where(Notice.state == "approved", Notice.scheduled_at <= now)
                                   .order_by(Notice.scheduled_at, Notice.id)))
    mode, account = settings.publish.mode, settings.wechat.account_type
    next_slot = quota.next_slot_at(session, account, now, tz) if mode == "mass" else None
    waiting = list(session.scalars(select(PublishBundle).where(PublishBundle.state.in_(OPEN_STATES))
                                   .order_by(PublishBundle.id)))
    beat = heartbeat(store)
    alive = beat is not None and now - beat <= HEARTBEAT_SILENCE
    return Overview(overdue, next_slot, next_slot == now, waiting, beat, alive, quiet(session, now, tz),
                    guard_result(store), mode, account, settings.publish.sweep_seconds)


def notice_publication(session: Session, notice: Notice) -> dict[str, Any]:
    """For the notice page: its bundle and post row (article link, counts)."""
    from . import posts

    bundle = session.get(PublishBundle, notice.bundle_id) if notice.bundle_id else None
    post = posts.find(session, posts.notice_key(notice.id))
    return {"bundle": bundle, "post": post}

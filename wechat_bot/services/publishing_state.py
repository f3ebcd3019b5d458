"""Settling a bundle in the database: published (post rows), failed (with the reason), released.

Shared by the sweep (``publishing.py``) and the job-finished events
(``publishing_events.py``). Every function here is idempotent: running it again
on a bundle that is already settled changes nothing, which is what lets a
restarted scheduler finish what a killed one started.
"""
from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime, timedelta, tzinfo

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from ..models.notice import Notice, NoticeEvent
from ..models.post import Post
from ..models.publish import JobEvent, PublishBundle
from . import posts
from .notices import SYSTEM

PUBLISH_STATUS_REASONS = {
    2: "原创校验未通过",
    3: "微信发布失败（常规失败，微信未说明原因）",
    4: "微信平台审核不通过",
    5: "发布成功后已被全部删除",
    6: "发布成功后被系统封禁",
}


def bundle_notices(session: Session, bundle: PublishBundle) -> list[Notice]:
    """The bundle's notices, in article order."""
    found = {n.id: n for n in session.scalars(select(Notice).where(Notice.id.in_(bundle.ids)))}
    return [found[i] for i in bundle.ids if i in found]


def move(session: Session, notice: Notice, target: str, action: str, now: datetime, comment: str = "") -> None:
    before = notice.state
    notice.state = target
    notice.updated_at = now
    session.add(NoticeEvent(notice_id=notice.id, at=now, actor_id=None, actor_name=SYSTEM, action=action,
                            from_state=before, to_state=target, comment=comment, details=""))


def mark_sent(session: Session, bundle: PublishBundle, *, now: datetime, tz: tzinfo, sent_at: datetime,
              msg_id: str | None = None, msg_data_id: str | None = None, publish_id: str | None = None,
              article_id: str | None = None, urls: Sequence[str] = ()) -> list[int]:
    """WeChat accepted the bundle: notices published, one post row each. Returns the notice ids moved."""
    if msg_id:
        bundle.msg_id = msg_id
        bundle.msg_data_id = msg_data_id
    if publish_id:
        bundle.publish_id = publish_id
    bundle.sent_at = bundle.sent_at or sent_at
    moved = []
    how = "群发" if bundle.mode == "mass" else "发布"
    for index, notice in enumerate(bundle_notices(session, bundle)):
        url = urls[index] if index < len(urls) else ""
        post, created = posts.record(
            session, tz=tz, channel="wechat", category=notice.category, title=notice.title,
            published_at=bundle.sent_at, source="publish", key=posts.notice_key(notice.id), url=url,
            notice_id=notice.id, article_index=index, original=notice.original,
            msg_id=bundle.msg_id, publish_id=bundle.publish_id, article_id=article_id, created_by=SYSTEM)
        if not created and url and not post.url:
            post.url = url
            post.article_id = article_id
        if notice.state == "publishing":
            notice.published_at = bundle.sent_at
            notice.failure_reason = None
            ident = f"msg_id {bundle.msg_id}" if bundle.mode == "mass" else f"publish_id {bundle.publish_id}"
            move(session, notice, "published", "published", now,
                 f"微信{how}，第 {bundle.id} 批第 {index + 1} 篇，{ident}")
            moved.append(notice.id)
    return moved


def mark_failed(session: Session, bundle: PublishBundle, reason: str, now: datetime) -> list[int]:
    """The bundle will not go out (or a mass send job failed): notices failed with the reason."""
    bundle.state = "failed"
    bundle.last_error = reason
    bundle.next_attempt_at = None
    if bundle.send_attempted_at is None:
        bundle.slot = None  # WeChat was never asked to send: the quota slot is still free
    moved = []
    for notice in bundle_notices(session, bundle):
        if notice.state in ("publishing", "published") and notice.bundle_id == bundle.id:
            if notice.state == "published":
                session.execute(delete(Post).where(Post.dedup_key == posts.notice_key(notice.id)))
                notice.published_at = None
            notice.failure_reason = reason
            move(session, notice, "failed", "failed", now, reason)
            moved.append(notice.id)
    return moved


def set_counts(session: Session, bundle: PublishBundle, *, status: str, total: int | None, filtered: int | None,
               sent: int | None, errors: int | None, urls: dict[int, str]) -> None:
    """MASSSENDJOBFINISH: the counts and article URLs onto the bundle's post rows."""
    bundle.job_status = status[:64]
    for post in session.scalars(select(Post).where(Post.msg_id == bundle.msg_id)):
        post.total_count, post.filter_count, post.sent_count, post.error_count = total, filtered, sent, errors
        url = urls.get((post.article_index or 0) + 1)
        if url:
            post.url = url


MASS_OK = "send success"


def apply_mass_event(session: Session, bundle: PublishBundle, fields: dict, now: datetime) -> None:
    """One MASSSENDJOBFINISH (parsed ``fields``) onto its bundle: counts and URLs, or failure."""
    status = str(fields.get("status") or "")
    urls = {int(k): v for k, v in (fields.get("urls") or {}).items()}
    set_counts(session, bundle, status=status, total=fields.get("total"), filtered=fields.get("filtered"),
               sent=fields.get("sent"), errors=fields.get("errors"), urls=urls)
    if status == MASS_OK:
        if bundle.state == "sent":
            bundle.state, bundle.next_attempt_at = "done", None
    elif bundle.state in ("sent", "done"):
        mark_failed(session, bundle, f"发布失败：微信群发任务失败（{status}）", now)


def apply_pending_mass(session: Session, bundle: PublishBundle, now: datetime) -> None:
    """Job events that arrived before we knew the bundle's msg_id."""
    for event in session.scalars(select(JobEvent).where(JobEvent.kind == "mass", JobEvent.ref == bundle.msg_id,
                                                        JobEvent.applied.is_(False)).order_by(JobEvent.id)):
        apply_mass_event(session, bundle, json.loads(event.payload), now)
        event.applied = True


def notice_ids_json(ids: Sequence[int]) -> str:
    return json.dumps(list(ids))


def settle_publish(session: Session, bundle: PublishBundle, *, status: int, article_id: str | None, urls: list[str],
                   now: datetime, tz: tzinfo, recheck: int) -> tuple[list[int], list[int]]:
    """freepublish/get or PUBLISHJOBFINISH: 0 published, 1 still publishing, 2–6 failed."""
    bundle.job_status = str(status)
    if status == 0:
        moved = mark_sent(session, bundle, now=now, tz=tz, sent_at=now, publish_id=bundle.publish_id,
                                article_id=article_id, urls=urls)
        bundle.state, bundle.next_attempt_at = "done", None
        session.commit()
        return moved, []
    if status == 1:
        bundle.next_attempt_at = now + timedelta(seconds=recheck)
        session.commit()
        return [], []
    reason = PUBLISH_STATUS_REASONS.get(status, f"微信返回发布状态 {status}")
    failed = mark_failed(session, bundle, f"发布失败：{reason}", now)
    session.commit()
    return [], failed


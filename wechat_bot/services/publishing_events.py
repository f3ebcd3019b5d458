"""What comes back from WeChat after a bundle went out, and what an admin may do about it.

* ``MASSSENDJOBFINISH``: the sent / error / filter / total counts and the article
  URLs onto the bundle's post rows; a failed job fails its notices (and removes
  their post rows: nothing reached the followers).
* ``PUBLISHJOBFINISH``: the final state of a 发布 (article URLs, article_id).
* ``publish_now`` / ``retry``: an admin sends an approved notice at once, or
  sends a failed one again after fixing what WeChat refused.
"""
from __future__ import annotations

import json
import logging
from collections.abc import Callable
from datetime import datetime, tzinfo
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..errors import Invalid
from ..models.notice import Notice, NoticeEvent
from ..models.publish import JobEvent, PublishBundle
from ..models.user import User
from . import publishing_state as state

log = logging.getLogger(__name__)
T = TypeVar("T")

def _items(value: Any) -> list[dict[str, Any]]:
    if isinstance(value, dict):
        return [value]
    if isinstance(value, list):
        return [v for v in value if isinstance(v, dict)]
    return []


def _int(value: Any) -> int | None:
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return None


def in_own_session(sessions: Callable[[], Session], handle: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run an event's handling in a database session of its own (for the WeChat handlers)."""
    with sessions() as session:
        return handle(session, *args, **kwargs)


def mass_job_finished(session: Session, raw: dict[str, Any], *, now: datetime, tz: tzinfo) -> bool:
    """Record a MASSSENDJOBFINISH and apply it; False when no bundle has that msg_id (yet).

    An event for an unknown msg_id is kept: the sendall answer may have been lost,
    and the retry that learns the msg_id (45065) applies it then.
    """
    msg_id = str(raw.get("MsgID") or raw.get("MsgId") or "").strip()
    if not msg_id:
        return False
    result = raw.get("ArticleUrlResult") or {}
    listing = result.get("ResultList") if isinstance(result, dict) else None
    items = _items(listing.get("item") if isinstance(listing, dict) else listing)
    fields = {"status": str(raw.get("Status") or "").strip(), "total": _int(raw.get("TotalCount")),
              "filtered": _int(raw.get("FilterCount")), "sent": _int(raw.get("SentCount")),
              "errors": _int(raw.get("ErrorCount")),
              "urls": {str(idx): str(i.get("ArticleUrl") or "") for i in items if (idx := _int(i.get("ArticleIdx")))}}
    event = JobEvent(kind="mass", ref=msg_id, payload=json.dumps(fields, ensure_ascii=False), received_at=now,
                     applied=False)
    session.add(event)
    bundle = session.scalar(select(PublishBundle).where(PublishBundle.msg_id == msg_id))
    if bundle is None:
        log.info("MASSSENDJOBFINISH for msg_id %s kept until its bundle knows it", msg_id)
        session.commit()
        return False
    state.apply_mass_event(session, bundle, fields, now)
    event.applied = True
    session.commit()
    return True


def publish_job_finished(session: Session, raw: dict[str, Any], *, now: datetime, tz: tzinfo,
                         recheck: int = 30) -> bool:
    """Apply a PUBLISHJOBFINISH event; False when the publish_id is not one of ours."""
    info = raw.get("PublishEventInfo")
    if not isinstance(info, dict):
        return False
    publish_id = str(info.get("publish_id") or "").strip()
    bundle = session.scalar(select(PublishBundle).where(PublishBundle.publish_id == publish_id)) if publish_id else None
    if bundle is None:
        log.info("PUBLISHJOBFINISH for unknown publish_id %s", publish_id)
        return False
    session.add(JobEvent(kind="publish", ref=publish_id, payload=json.dumps(info, ensure_ascii=False, default=str),
                         received_at=now, applied=bundle.state == "submitted"))
    if bundle.state != "submitted":
        session.commit()
        return True  # settled already (by freepublish/get)
    detail = info.get("article_detail") if isinstance(info.get("article_detail"), dict) else {}
    items = sorted(_items(detail.get("item")), key=lambda i: _int(i.get("idx")) or 0)
    status = _int(info.get("publish_status"))
    state.settle_publish(session, bundle, status=1 if status is None else status, article_id=info.get("article_id"),
                   urls=[str(i.get("article_url") or "") for i in items], now=now, tz=tz, recheck=recheck)
    return True


# -- admin actions ------------------------------------------------------------------

def _require_admin(actor: User) -> None:
    if not actor.active or actor.role != "admin":
        raise Invalid("只有管理员可以立即发布或重试发布")


def publish_now(session: Session, notice: Notice, actor: User, now: datetime) -> Notice:
    """Make an approved notice due now; the caller runs a sweep."""
    _require_admin(actor)
    if notice.state != "approved":
        raise Invalid(f"稿件{notice.state_label}，只有已通过（待发布）的稿件可以立即发布")
    before = notice.scheduled_at
    notice.scheduled_at = now
    notice.updated_at = now
    session.add(NoticeEvent(notice_id=notice.id, at=now, actor_id=actor.id, actor_name=actor.label,
                            action="publish_now", from_state="approved", to_state="approved",
                            comment="管理员要求立即发布" + (f"（原定时 {before.isoformat()}）" if before else ""),
                            details=""))
    session.commit()
    return notice


def retry(session: Session, notice: Notice, actor: User, now: datetime) -> Notice:
    """A notice whose publishing failed goes back to approved, due now; the caller runs a sweep."""
    _require_admin(actor)
    if notice.state != "failed" or notice.bundle_id is None:
        raise Invalid(f"稿件{notice.state_label}，只有发布失败的稿件可以重试发布")
    notice.state = "approved"
    notice.scheduled_at = now
    notice.bundle_id = None
    notice.updated_at = now
    session.add(NoticeEvent(notice_id=notice.id, at=now, actor_id=actor.id, actor_name=actor.label,
                            action="retry", from_state="failed", to_state="approved",
                            comment=f"管理员重试发布（上次失败：{notice.failure_reason or '未知'}）", details=""))
    notice.failure_reason = None
    session.commit()
    return notice

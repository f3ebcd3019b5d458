"""The publishing sweep: every approved notice goes out once, on time, within WeChat's quotas.

One sweep (``Publisher.sweep``):

1. **Reconcile** every bundle left open (``claimed`` / ``drafted`` / ``submitted`` /
   ``sent``) whose retry time has come, from what the database stored and what
   WeChat says (the draft media_id, a repeated sendall answered 45065 with the
   existing msg_id, ``mass/get``, ``freepublish/get``), before anything new goes out.
2. **Claim** the due notices, oldest first, at most 8 per bundle: one transaction
   inserts the bundle (idempotency key, quota slot) and moves each notice
   approved → publishing with a compare-and-set on its state. That row, not the
   scheduler lease, makes a second sweeper harmless.
3. **Advance** the bundle: cover as permanent thumb (reused while the cover is
   unchanged), the cover in the body via uploadimg, ``draft/add``, then
   ``mass/sendall`` with ``clientmsgid`` = the bundle key, or ``freepublish/submit``.

Errors (wechat-platform.md §2.6): -1, timeouts, 45009 and token errors retry
(a few times within the sweep, then with capped exponential backoff and jitter
stored on the bundle, so other notices are not held up); 45028 waits for the
next quota slot; anything else (48001, 45166, …) fails the bundle's notices with
the reason in Chinese. An unknown outcome of ``freepublish/submit`` is never
retried blindly: it has no idempotency key.
"""
from __future__ import annotations

import logging
import os
import random
import socket
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..errors import UpstreamError
from ..models.notice import Notice, NoticeEvent
from ..models.publish import OPEN_STATES, PublishBundle
from . import publishing_quota as quota
from . import publishing_state as state
from .publishing_media import CoverUploads
from .notices import SYSTEM, due_notices

log = logging.getLogger(__name__)

MAX_ARTICLES = 8
TRANSIENT = frozenset({-2, -1, 45009, 45011, 45066, 40001, 40014, 42001})
UNKNOWN_OUTCOME = frozenset({-2, -1})
NO_QUOTA = 45028
DRAFT_GONE = 40007
TRIES_PER_SWEEP = 3
SWEEP_BACKOFF = (0.5, 4.0)  # in-sweep pause: base, cap (seconds)
BACKOFF = (15.0, 900.0)  # between sweeps: base, cap (seconds)
LOCK_SECONDS = 90
CLIENTMSGID_WINDOW = timedelta(hours=23)  # WeChat remembers a clientmsgid for 24 h


class Crash(BaseException):
    """Raised by test hooks to play a killed process: nothing catches it, nothing is cleaned up."""


@dataclass
class SweepReport:
    published: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)
    bundles: int = 0
    retries: int = 0
    waiting: int = 0

    def summary(self) -> str:
        return (f"发布 {len(self.published)} 篇（{self.bundles} 条消息），失败 {len(self.failed)} 篇，"
                f"重试 {self.retries} 次，等待重试或配额 {self.waiting} 批")


def backoff(attempt: int, base: float, cap: float, rng: random.Random) -> float:
    """Capped exponential backoff with full jitter in [½·d, d]."""
    delay = min(cap, base * (2 ** max(attempt, 0)))
    return delay * (0.5 + rng.random() / 2)


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


class Publisher:
    def __init__(self, session: Session, gateway: Any, settings: Any, clock: Callable[[], datetime], *,
                 sleep: Callable[[float], None] = time.sleep, rng: random.Random | None = None,
                 hooks: dict[str, Callable[[PublishBundle], None]] | None = None,
                 worker: str | None = None) -> None:
        self.session = session
        self.gateway = gateway
        self.clock = clock
        self.tz = settings.tz
        self.mode = settings.publish.mode
        self.account_type = settings.wechat.account_type
        self.sweep_seconds = settings.publish.sweep_seconds
        self.sleep = sleep
        self.rng = rng or random.Random()
        self.hooks = hooks or {}
        self.worker = worker or worker_name()

    @classmethod
    def from_services(cls, services: Any, session: Session, **kwargs: Any) -> Publisher:
        gateway = kwargs.pop("gateway", None) or services.gateway
        return cls(session, gateway, services.settings, services.clock, **kwargs)

    # -- the sweep ---------------------------------------------------------------
    def sweep(self) -> SweepReport:
        report = SweepReport()
        self.reconcile(report)
        while (bundle := self._claim()) is not None:
            report.bundles += 1
            self._advance(bundle, report)
        return report

    def reconcile(self, report: SweepReport | None = None) -> SweepReport:
        """Settle every open bundle whose time has come (start-up and the start of each sweep)."""
        report = report or SweepReport()
        now = self.clock()
        ids = list(self.session.scalars(
            select(PublishBundle.id).where(PublishBundle.state.in_(OPEN_STATES), or_(
                PublishBundle.next_attempt_at.is_(None), PublishBundle.next_attempt_at <= now))
            .order_by(PublishBundle.id)))
        for bundle_id in ids:
            bundle = self.session.get(PublishBundle, bundle_id)
            if bundle is not None:
                self._advance(bundle, report)
        return report

    # -- claiming ------------------------------------------------------------------
    def _claim(self) -> PublishBundle | None:
        now = self.clock()
        due = due_notices(self.session, now)[:MAX_ARTICLES]
        if not due:
            return None
        slot = None
        if self.mode == "mass":
            slot = quota.free_slot(self.session, self.account_type, now, self.tz)
            if slot is None:
                return None  # the day's / month's sends are used: wait for the next slot
        bundle = PublishBundle(key=uuid.uuid4().hex, mode=self.mode, state="claimed", slot=slot, notice_ids="[]",
                               attempts=0, locked_by=self.worker, locked_until=now + timedelta(seconds=LOCK_SECONDS),
                               created_at=now, updated_at=now)
        self.session.add(bundle)
        try:
            self.session.flush()
        except IntegrityError:
            self.session.rollback()  # another sweeper took this slot a moment ago
            return None
        claimed = []
        for notice in due:
            moved = self.session.execute(
                update(Notice).where(Notice.id == notice.id, Notice.state == "approved")
                .values(state="publishing", bundle_id=bundle.id, version=Notice.version + 1, updated_at=now)
                .execution_options(synchronize_session=False))
            if moved.rowcount == 1:
                claimed.append(notice.id)
                self.session.add(NoticeEvent(
                    notice_id=notice.id, at=now, actor_id=None, actor_name=SYSTEM, action="publishing",
                    from_state="approved", to_state="publishing", comment=f"第 {bundle.id} 批", details=""))
        if not claimed:
            self.session.rollback()
            return None
        bundle.notice_ids = state.notice_ids_json(claimed)
        self.session.commit()
        self.session.expire_all()
        return bundle

    # -- advancing one bundle ----------------------------------------------------------
    def _lock(self, bundle: PublishBundle) -> bool:
        now = self.clock()
        got = self.session.execute(
            update(PublishBundle).where(PublishBundle.id == bundle.id, or_(
                PublishBundle.locked_by == self.worker, PublishBundle.locked_until.is_(None),
                PublishBundle.locked_until < now))
            .values(locked_by=self.worker, locked_until=now + timedelta(seconds=LOCK_SECONDS))
            .execution_options(synchronize_session=False)).rowcount == 1
        self.session.commit()
        self.session.refresh(bundle)
        return got and bundle.state in OPEN_STATES

    def _advance(self, bundle: PublishBundle, report: SweepReport) -> None:
        if not self._lock(bundle):
            return
        for attempt in range(TRIES_PER_SWEEP):
            try:
                self._run(bundle, report)
                break
            except UpstreamError as exc:
                self.session.rollback()
                self.session.refresh(bundle)
                if exc.errcode == NO_QUOTA and bundle.mode == "mass":
                    self._wait_for_next_period(bundle, exc)
                    report.waiting += 1
                    break
                if exc.errcode not in TRANSIENT:
                    report.failed += state.mark_failed(self.session, bundle, f"发布失败：{exc.message}", self.clock())
                    break
                report.retries += 1
                bundle.attempts += 1
                bundle.last_error = f"{exc.errcode}: {exc.message}"
                if attempt + 1 < TRIES_PER_SWEEP:
                    self.session.commit()
                    self.sleep(backoff(attempt, *SWEEP_BACKOFF, self.rng))
                    continue
                wait = backoff(bundle.attempts - TRIES_PER_SWEEP, *BACKOFF, self.rng)
                bundle.next_attempt_at = self.clock() + timedelta(seconds=wait)
                report.waiting += 1
                log.warning("bundle %s: WeChat error %s, retry in %.0f s", bundle.id, exc.errcode, wait)
            except Exception:  # a bug or an unexpected answer: retry later, never loop hot
                self.session.rollback()
                log.exception("bundle %s: unexpected error", bundle.id)
                bundle.next_attempt_at = self.clock() + timedelta(seconds=BACKOFF[1])
                report.waiting += 1
                break
        bundle.locked_by = None
        bundle.locked_until = None
        bundle.updated_at = self.clock()
        self.session.commit()

    def _run(self, bundle: PublishBundle, report: SweepReport) -> None:
        while True:
            if bundle.state == "claimed":
                self._draft(bundle)
            elif bundle.state == "drafted" and bundle.mode == "mass":
                self._send(bundle, report)
                return
            elif bundle.state == "drafted":
                self._submit(bundle, report)
            elif bundle.state == "submitted":
                self._poll_publish(bundle, report)
                return
            elif bundle.state == "sent":
                self._poll_mass(bundle, report)
                return
            else:
                return

    def _hook(self, name: str, bundle: PublishBundle) -> None:
        if name in self.hooks:
            self.hooks[name](bundle)

    # -- the steps ----------------------------------------------------------------------
    def _draft(self, bundle: PublishBundle) -> None:
        notices = state.bundle_notices(self.session, bundle)
        single = len(notices) == 1
        covers = CoverUploads(self.session, self.gateway, self.clock)
        articles = []
        for notice in notices:
            thumb, image_url = covers.for_notice(notice)
            content = notice.content_html or f"<p>{notice.title}</p>"
            if image_url:
                content = f'<p><img src="{image_url}" alt=""></p>{content}'
            articles.append({"title": notice.title, "author": notice.author, "digest": notice.digest if single else "",
                             "content": content, "content_source_url": "", "thumb_media_id": thumb,
                             "need_open_comment": 0, "only_fans_can_comment": 0})
        bundle.media_id = self.gateway.add_draft(articles)
        bundle.state = "drafted"
        self.session.commit()
        self._hook("after_draft", bundle)

    def _send(self, bundle: PublishBundle, report: SweepReport) -> None:
        now = self.clock()
        if not self._hold_slot(bundle, now):
            report.waiting += 1
            return
        earlier = bundle.send_attempted_at
        if earlier is None:
            bundle.send_attempted_at = now
            self.session.commit()
        try:
            result = self.gateway.mass_send_article(bundle.media_id, bundle.clientmsgid)
        except UpstreamError as exc:
            if exc.errcode != DRAFT_GONE:
                raise
            if earlier is not None and now - earlier > CLIENTMSGID_WINDOW:
                report.failed += state.mark_failed(
                    self.session, bundle, "发布失败：无法确认这条群发是否已经发出（上次尝试已超过24小时，草稿已不存在）。"
                    "请在公众平台「发表记录」核对，未发出的由管理员重试。", now)
                return
            bundle.state, bundle.media_id = "claimed", None  # the draft is gone and nothing was sent: draft again
            self.session.commit()
            raise UpstreamError(-1, "draft gone", "草稿已不存在，将重新生成") from exc
        self._hook("after_send", bundle)
        sent_at = (earlier or now) if result.duplicate else now
        bundle.state = "sent"
        bundle.next_attempt_at = now + timedelta(seconds=self.sweep_seconds)
        report.published += state.mark_sent(self.session, bundle, now=now, tz=self.tz, sent_at=sent_at,
                                             msg_id=str(result.msg_id), msg_data_id=str(result.msg_data_id))
        state.apply_pending_mass(self.session, bundle, now)
        self.session.commit()

    def _hold_slot(self, bundle: PublishBundle, now: datetime) -> bool:
        """A bundle held back by 45028 takes a slot of the new period before sending again."""
        if bundle.slot in quota.slots_for(self.account_type, now, self.tz):
            return True
        slot = quota.free_slot(self.session, self.account_type, now, self.tz)
        if slot is not None:
            bundle.slot = slot
            try:
                self.session.commit()
                return True
            except IntegrityError:
                self.session.rollback()
                self.session.refresh(bundle)
        bundle.next_attempt_at = quota.next_period_start(self.account_type, now, self.tz)
        return False

    def _wait_for_next_period(self, bundle: PublishBundle, exc: UpstreamError) -> None:
        now = self.clock()
        bundle.last_error = f"45028: {exc.message}"
        bundle.next_attempt_at = quota.next_period_start(self.account_type, now, self.tz)
        log.warning("bundle %s: no mass-send quota left, waiting until %s", bundle.id, bundle.next_attempt_at)

    def _submit(self, bundle: PublishBundle, report: SweepReport) -> None:
        now = self.clock()
        if bundle.send_attempted_at is not None:
            report.failed += state.mark_failed(
                self.session, bundle, "发布失败：发布请求结果未知（网络超时或微信繁忙）。为避免重复发布，系统没有自动重试；"
                "请先在公众平台「发表记录」核对，未发布的由管理员重试。", now)
            return
        bundle.send_attempted_at = now
        self.session.commit()
        try:
            publish_id = self.gateway.submit_publish(bundle.media_id)
        except UpstreamError as exc:
            if exc.errcode not in UNKNOWN_OUTCOME:  # refused: nothing was published, a retry is safe
                self.session.rollback()
                bundle.send_attempted_at = None
                self.session.commit()
            raise
        self._hook("after_send", bundle)
        bundle.publish_id = publish_id
        bundle.state = "submitted"
        self.session.commit()

    def _poll_publish(self, bundle: PublishBundle, report: SweepReport) -> None:
        info = self.gateway.get_publish(bundle.publish_id)
        urls = [str(i.get("article_url", "")) for i in (info.get("article_detail") or {}).get("item", [])]
        moved, failed = state.settle_publish(self.session, bundle, status=int(info.get("publish_status", 1)),
                                       article_id=info.get("article_id"), urls=urls, now=self.clock(), tz=self.tz,
                                       recheck=self.sweep_seconds)
        report.published += moved
        report.failed += failed

    def _poll_mass(self, bundle: PublishBundle, report: SweepReport) -> None:
        status = self.gateway.get_mass(bundle.msg_id)
        now = self.clock()
        if status == "SEND_FAIL":
            report.failed += state.mark_failed(self.session, bundle, "发布失败：微信群发任务失败（SEND_FAIL）", now)
        elif status in ("SEND_SUCCESS", "DELETE"):
            bundle.state = "done"
            bundle.job_status = bundle.job_status or status
            bundle.next_attempt_at = None
        else:
            bundle.next_attempt_at = now + timedelta(seconds=self.sweep_seconds)
        self.session.commit()


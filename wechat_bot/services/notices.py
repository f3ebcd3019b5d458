"""The notice state machine: 先审后发, with privacy and secrecy screening.

    draft ─submit→ in_review ─approve×N→ approved ─→ publishing ─→ published
      ▲               │reject                  ╲                 ╲→ failed
      └── rejected ◀──┘        withdraw (before publishing) → withdrawn ─reopen→ draft

Every change writes one immutable ``NoticeEvent``. Nobody approves a notice
they wrote or edited, nor two steps of the same round. Approval is refused
while the privacy scan finds anything, unless an admin overrides in writing.
"""
from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from datetime import datetime, tzinfo

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from ..errors import Invalid, NotFound
from ..models.base import valid_id
from ..models.notice import STATE_LABELS, Notice, NoticeEvent
from ..models.user import User
from . import notice_content as content
from .covers import Cover
from .notice_screening import PRIVATE_NAMES_MAX, FieldFinding, Screener, describe

EDITABLE = ("draft", "rejected")
WITHDRAWABLE = ("draft", "rejected", "in_review", "approved", "failed")
AUTHORING = ("create", "edit", "cover", "submit")  # actions that make someone an author
SYSTEM = "系统"


def get_notice(session: Session, notice_id: int) -> Notice:
    notice = session.get(Notice, notice_id) if valid_id(notice_id) else None
    if notice is None:
        raise NotFound(f"没有编号为 {notice_id} 的稿件")
    return notice


def due_notices(session: Session, now: datetime) -> list[Notice]:
    """Approved notices whose publish time has come, oldest first (for the scheduler)."""
    query = select(Notice).where(Notice.state == "approved", Notice.scheduled_at <= now)
    return list(session.scalars(query.order_by(Notice.scheduled_at, Notice.id)))


class NoticeWorkflow:
    """The rules, over one SQLAlchemy session. Plain Python: no Flask, no click."""

    def __init__(
        self,
        session: Session,
        *,
        steps: int = 2,
        step_names: tuple[str, ...] = ("初审", "审发"),
        sensitive_words: Iterable[str] = (),
        clock: Callable[[], datetime],
        tz: tzinfo,
        default_author: str = "",
    ) -> None:
        if steps not in (2, 3) or len(step_names) != steps:
            raise ValueError("steps must be 2 or 3, with one name per step")
        self.session = session
        self.steps = steps
        self.step_names = step_names
        self.screener = Screener(sensitive_words)
        self.clock = clock
        self.tz = tz
        self.default_author = default_author

    @classmethod
    def from_settings(cls, session: Session, settings, clock: Callable[[], datetime]) -> NoticeWorkflow:
        """The workflow as configured: ``[review]`` steps, ``[privacy]`` words, the bureau's time zone."""
        return cls(
            session,
            steps=settings.review.steps,
            step_names=settings.review.names,
            sensitive_words=settings.privacy.sensitive_words,
            clock=clock,
            tz=settings.tz,
            default_author=settings.bureau.account_name,
        )

    # -- screening ------------------------------------------------------------
    def screen(self, notice: Notice) -> list[FieldFinding]:
        return self.screener.screen(notice.title, notice.digest, notice.body, notice.private_names, author=notice.author)

    # -- authoring ------------------------------------------------------------
    def create(self, actor: User, *, title: str, category: str, body: str, digest: str = "", author: str = "",
               original: bool = False, scheduled_at: datetime | None = None, private_names: str = "") -> Notice:
        if not actor.can("editor"):
            raise Invalid("只有编辑或管理员可以撰写稿件")
        now = self.clock()
        notice = Notice(state="draft", review_step=0, created_by_id=actor.id, created_at=now, updated_at=now)
        self._fill(notice, title=title, category=category, body=body, digest=digest, author=author,
                   original=original, scheduled_at=scheduled_at, private_names=private_names)
        self.session.add(notice)
        self.session.flush()
        self._record(notice, actor, "create", "", "draft")
        return self._done(notice)

    def update(self, actor: User, notice: Notice, **fields) -> Notice:
        self._require_author(actor, notice)
        if notice.state not in EDITABLE:
            raise Invalid(f"稿件{notice.state_label}，不能修改（只有草稿和已退回的稿件可以修改）")
        self._fill(notice, **fields)
        notice.updated_at = self.clock()
        self._record(notice, actor, "edit", notice.state, notice.state)
        return self._done(notice)

    def set_cover(self, actor: User, notice: Notice, cover: Cover | None) -> Notice:
        self._require_author(actor, notice)
        if notice.state not in EDITABLE:
            raise Invalid(f"稿件{notice.state_label}，不能更换封面")
        notice.cover_data = cover.data if cover else None
        notice.cover_mime = cover.mime if cover else None
        notice.cover_size = cover.size if cover else None
        comment = "删除封面" if cover is None else f"上传封面（{cover.width}×{cover.height}，{cover.size // 1024}KB）"
        self._record(notice, actor, "cover", notice.state, notice.state, comment=comment)
        return self._done(notice)

    def _fill(self, notice: Notice, *, title: str, category: str, body: str, digest: str = "", author: str = "",
              original: bool = False, scheduled_at: datetime | None = None, private_names: str = "") -> None:
        notice.title = content.clean_title(title)
        notice.category = content.parse_category(category)
        notice.body = content.clean_body(body)
        notice.digest = content.clean_digest(digest, notice.body)
        notice.author = content.clean_author(author, self.default_author)
        notice.original = bool(original)
        names = list(dict.fromkeys(content.parse_names(content.refuse_control_characters(private_names, "涉及人员姓名"))))
        if len(names) > PRIVATE_NAMES_MAX:
            raise Invalid(f"涉及人员姓名最多填写 {PRIVATE_NAMES_MAX} 个，现在 {len(names)} 个")
        notice.private_names = "、".join(names)
        content.check_future(scheduled_at, self.clock())
        notice.scheduled_at = scheduled_at
        notice.content_html = content.render_html(notice.body)

    # -- review ---------------------------------------------------------------
    def submit(self, actor: User, notice: Notice) -> list[FieldFinding]:
        self._require_author(actor, notice)
        self._require_state(notice, EDITABLE, "提交审核")
        content.check_future(notice.scheduled_at, self.clock())
        findings = self.screen(notice)
        comment = f"隐私与保密检查发现：{describe(findings)}" if findings else "隐私与保密检查通过"
        notice.review_step = 0
        self._move(notice, actor, "submit", "in_review", comment=comment, findings=findings)
        return findings

    def approval_refusal(self, actor: User, notice: Notice) -> str | None:
        """Why ``actor`` may not approve the current step (None: they may, findings aside)."""
        if notice.state != "in_review":
            return f"稿件{notice.state_label}，不在审核中"
        if actor.id in self._authors(notice):
            return "不能审核自己撰写或修改过的稿件"
        if not actor.can("reviewer"):
            return "只有审核人员或管理员可以审核稿件"
        done = self._approved_this_round(notice).get(actor.id)
        if done is not None:
            return f"同一人不能审核同一稿件的两个步骤（您已完成“{self.step_names[done - 1]}”）"
        return None

    def current_step_name(self, notice: Notice) -> str:
        return self.step_names[min(notice.review_step, self.steps - 1)]

    def approve(self, actor: User, notice: Notice, *, comment: str = "", override_reason: str = "") -> Notice:
        refusal = self.approval_refusal(actor, notice)
        if refusal:
            raise Invalid(refusal)
        findings = self.screen(notice)
        override_reason = " ".join((override_reason or "").split())
        if findings and not override_reason:
            raise Invalid(f"隐私与保密检查未通过：{describe(findings)}。请先脱敏或退回修改")
        if override_reason and actor.role != "admin":
            raise Invalid("只有管理员可以在检查未通过时强制通过")
        if findings and len(override_reason) < 4:
            raise Invalid("强制通过必须写明理由（至少 4 个字）")
        step = notice.review_step + 1
        name = self.step_names[step - 1]
        text = f"通过“{name}”（第 {step}/{self.steps} 步）"
        if findings:
            text += f"；管理员强制通过，理由：{override_reason}；未处理：{describe(findings)}"
        if comment.strip():
            text += f"；意见：{comment.strip()}"
        notice.review_step = step
        target = "in_review"
        if step == self.steps:
            now = self.clock()
            target = "approved"
            notice.approved_at = now
            if notice.scheduled_at is None or notice.scheduled_at < now:
                notice.scheduled_at = now
            text += f"；定于 {content.local_text(notice.scheduled_at, self.tz)} 发布"
        extra = {"override": override_reason} if findings else {}
        self._move(notice, actor, "approve", target, comment=text, findings=findings, step=step, extra=extra)
        return notice

    def reject(self, actor: User, notice: Notice, reason: str) -> Notice:
        if not actor.can("reviewer"):
            raise Invalid("只有审核人员或管理员可以退回稿件")
        self._require_state(notice, ("in_review",), "退回")
        reason = " ".join((reason or "").split())
        if not reason:
            raise Invalid("退回必须填写理由")
        step = notice.review_step + 1
        notice.review_step = 0
        self._move(notice, actor, "reject", "rejected", comment=reason, step=step)
        return notice

    def apply_masks(self, actor: User, notice: Notice) -> int:
        """Mask every finding in title, digest and body; returns how many were masked."""
        reviewing = notice.state == "in_review" and actor.can("reviewer")
        if not reviewing:
            self._require_author(actor, notice)
            self._require_state(notice, EDITABLE, "脱敏")
        findings = [item for item in self.screen(notice) if not item.blocking]
        if not findings:
            raise Invalid("没有可以自动脱敏的内容（涉密标识须修改稿件删除）")
        names = notice.private_names
        notice.title = self.screener.mask(notice.title, names)
        notice.digest = self.screener.mask(notice.digest, names)
        notice.body = self.screener.mask(notice.body, names, markdown=True)
        notice.content_html = content.render_html(notice.body)
        notice.updated_at = self.clock()
        self._move(notice, actor, "mask", notice.state, comment=f"一键脱敏：{describe(findings)}", findings=findings)
        return len(findings)

    # -- leaving the queue -----------------------------------------------------
    def withdraw(self, actor: User, notice: Notice, reason: str = "") -> Notice:
        self._require_author(actor, notice)
        self._require_state(notice, WITHDRAWABLE, "撤回")
        notice.review_step = 0
        self._move(notice, actor, "withdraw", "withdrawn", comment=" ".join((reason or "").split()))
        return notice

    def reopen(self, actor: User, notice: Notice) -> Notice:
        self._require_author(actor, notice)
        self._require_state(notice, ("withdrawn", "failed"), "重新编辑")
        notice.review_step = 0
        self._move(notice, actor, "reopen", "draft")
        return notice

    # -- publishing (driven by the scheduler) ----------------------------------
    def start_publishing(self, notice: Notice) -> Notice:
        self._require_state(notice, ("approved",), "发布")
        self._move(notice, None, "publishing", "publishing")
        return notice

    def mark_published(self, notice: Notice, comment: str = "") -> Notice:
        self._require_state(notice, ("publishing",), "标记为已发布")
        notice.published_at = self.clock()
        self._move(notice, None, "published", "published", comment=comment)
        return notice

    def mark_failed(self, notice: Notice, reason: str) -> Notice:
        self._require_state(notice, ("publishing",), "标记为发布失败")
        notice.failure_reason = reason
        self._move(notice, None, "failed", "failed", comment=reason)
        return notice

    # -- internals --------------------------------------------------------------
    def _authors(self, notice: Notice) -> set[int]:
        query = select(NoticeEvent.actor_id).where(
            NoticeEvent.notice_id == notice.id, NoticeEvent.action.in_(AUTHORING)
        )
        return {notice.created_by_id, *(i for i in self.session.scalars(query) if i is not None)}

    def _approved_this_round(self, notice: Notice) -> dict[int, int]:
        """actor id → step, for approvals since the latest submit."""
        events = self.session.scalars(
            select(NoticeEvent).where(NoticeEvent.notice_id == notice.id).order_by(NoticeEvent.id.desc())
        )
        approved: dict[int, int] = {}
        for event in events:
            if event.action == "submit":
                break
            if event.action == "approve" and event.actor_id is not None:
                approved[event.actor_id] = event.step or 0
        return approved

    def _require_author(self, actor: User, notice: Notice) -> None:
        if not actor.active:
            raise Invalid("账号已停用")
        if actor.role != "admin" and not (actor.role == "editor" and actor.id == notice.created_by_id):
            raise Invalid("只有稿件的撰写人或管理员可以这样做")

    def _require_state(self, notice: Notice, allowed: Iterable[str], action: str) -> None:
        if notice.state not in allowed:
            names = "、".join(STATE_LABELS[s] for s in allowed)
            raise Invalid(f"稿件{notice.state_label}，不能{action}（只有{names}的稿件可以）")

    def _move(self, notice: Notice, actor: User | None, action: str, target: str, *, comment: str = "",
              findings: list[FieldFinding] | None = None, step: int | None = None, extra: dict | None = None) -> None:
        before = notice.state
        notice.state = target
        self._record(notice, actor, action, before, target, comment=comment, findings=findings, step=step, extra=extra)
        self._done(notice)

    def _record(self, notice: Notice, actor: User | None, action: str, before: str, after: str, *,
                comment: str = "", findings: list[FieldFinding] | None = None, step: int | None = None,
                extra: dict | None = None) -> None:
        details = dict(extra or {})
        if findings:
            details["findings"] = [item.summary() for item in findings]
        self.session.add(NoticeEvent(
            notice_id=notice.id, at=self.clock(), actor_id=actor.id if actor else None,
            actor_name=actor.label if actor else SYSTEM, action=action, from_state=before, to_state=after,
            step=step, comment=comment, details=json.dumps(details, ensure_ascii=False) if details else "",
        ))

    def _done(self, notice: Notice) -> Notice:
        try:
            self.session.commit()
        except StaleDataError:
            self.session.rollback()
            raise Invalid("稿件刚刚被其他人处理过，请刷新页面查看最新状态后再操作") from None
        return notice

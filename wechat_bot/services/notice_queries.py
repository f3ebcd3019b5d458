"""Read-only views of notices: filtered lists, the dashboard figures, and the
audit trail told as a story ("2026-11-25 10:02 王编辑 提交审核")."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, tzinfo

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from ..models.notice import STATE_LABELS, STATES, Notice, NoticeEvent
from ..models.user import User
from .notice_content import local_text, parse_category
from .textnorm import to_simplified

QUIET_WARN_DAYS = 10  # warn: government accounts silent for 14 days fail inspection
QUIET_FAIL_DAYS = 14


def parse_state(text: str) -> str:
    from ..errors import Invalid

    value = (text or "").strip()
    if value in STATES:
        return value
    simplified = to_simplified(value)
    for code, label in STATE_LABELS.items():
        if simplified in (label, label.split("（")[0]):
            return code
    raise Invalid(f"未知的状态“{value}”，可选：{'、'.join(f'{c}（{STATE_LABELS[c]}）' for c in STATES)}")


def list_notices(session: Session, *, state: str = "", category: str = "", text: str = "", limit: int = 200) -> list[Notice]:
    query = select(Notice)
    if state:
        query = query.where(Notice.state == parse_state(state))
    if category:
        query = query.where(Notice.category == parse_category(category))
    for word in to_simplified(text or "").split():
        # icontains: Latin case ignored on both backends (PostgreSQL's LIKE would not), % and _ literal.
        query = query.where(or_(*(column.icontains(word, autoescape=True)
                                  for column in (Notice.title, Notice.body, Notice.digest))))
    return list(session.scalars(query.order_by(Notice.updated_at.desc(), Notice.id.desc()).limit(limit)))


def counts_by_state(session: Session) -> dict[str, int]:
    rows = session.execute(select(Notice.state, func.count()).group_by(Notice.state)).all()
    found = {state: count for state, count in rows}
    return {state: found.get(state, 0) for state in STATES}


@dataclass
class Dashboard:
    counts: dict[str, int]
    upcoming: list[Notice]
    failed: list[Notice]
    waiting_review: list[Notice]
    last_published_at: datetime | None
    days_quiet: int | None
    level: str = field(default="ok")  # ok | warn | fail

    @property
    def message(self) -> str:
        if self.days_quiet is None:
            return "还没有发布过稿件。政务公众号连续 14 天不更新会被判定为检查不合格，请尽快安排发布。"
        if self.level == "fail":
            return f"已经 {self.days_quiet} 天没有发布，超过 14 天未更新，检查将被判定为不合格，请立即安排发布。"
        if self.level == "warn":
            return f"已经 {self.days_quiet} 天没有发布。连续 14 天不更新会被判定为检查不合格，请尽快安排发布。"
        return f"距上次发布 {self.days_quiet} 天。"


def dashboard(session: Session, now: datetime, tz: tzinfo) -> Dashboard:
    upcoming = list(session.scalars(
        select(Notice).where(Notice.state.in_(("approved", "publishing"))).order_by(Notice.scheduled_at).limit(5)
    ))
    failed = list(session.scalars(select(Notice).where(Notice.state == "failed").order_by(Notice.updated_at.desc())))
    waiting = list(session.scalars(select(Notice).where(Notice.state == "in_review").order_by(Notice.updated_at)))
    last = session.scalar(select(func.max(Notice.published_at)).where(Notice.state == "published"))
    days = None
    level = "fail"
    if last is not None:
        last = last if last.tzinfo else last.replace(tzinfo=now.tzinfo)
        days = (now.astimezone(tz).date() - last.astimezone(tz).date()).days
        level = "fail" if days >= QUIET_FAIL_DAYS else "warn" if days >= QUIET_WARN_DAYS else "ok"
    return Dashboard(counts_by_state(session), upcoming, failed, waiting, last, days, level)


# --- the audit trail as a story ------------------------------------------------

@dataclass(frozen=True)
class TrailLine:
    at: str
    actor: str
    text: str

    def __str__(self) -> str:
        return f"{self.at} {self.actor} {self.text}"


def _describe(event: NoticeEvent, step_names: tuple[str, ...]) -> str:
    step = step_names[event.step - 1] if event.step and event.step <= len(step_names) else ""
    comment = event.comment.strip()
    match event.action:
        case "create":
            return "创建草稿"
        case "edit":
            return "修改稿件"
        case "cover":
            return comment or "更换封面"
        case "submit":
            return f"提交审核（{comment}）" if comment else "提交审核"
        case "approve":
            return comment or f"通过“{step}”"
        case "reject":
            return f"在“{step}”退回修改，理由：{comment}" if step else f"退回修改，理由：{comment}"
        case "mask":
            return comment or "一键脱敏"
        case "withdraw":
            return f"撤回稿件（{comment}）" if comment else "撤回稿件"
        case "reopen":
            return "重新编辑（回到草稿）"
        case "publishing":
            return "开始发布"
        case "published":
            return f"发布成功（{comment}）" if comment else "发布成功"
        case "failed":
            return f"发布失败：{comment}"
        case "publish_now" | "retry":
            return comment or ("立即发布" if event.action == "publish_now" else "重试发布")
    return f"{STATE_LABELS.get(event.from_state, event.from_state)} → {STATE_LABELS.get(event.to_state, event.to_state)}"


def trail(session: Session, notice: Notice, tz: tzinfo, step_names: tuple[str, ...]) -> list[TrailLine]:
    events = session.scalars(
        select(NoticeEvent).where(NoticeEvent.notice_id == notice.id).order_by(NoticeEvent.at, NoticeEvent.id)
    )
    return [TrailLine(local_text(e.at, tz), e.actor_name, _describe(e, step_names)) for e in events]


def user_names(session: Session, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    return {u.id: u.label for u in session.scalars(select(User).where(User.id.in_(ids)))}

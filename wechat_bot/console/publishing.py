"""Console: publish an approved notice now, retry a failed one (admins), and the
publishing facts the notice page and the dashboard show."""
from __future__ import annotations

from typing import Any

from flask import flash, g, redirect, url_for

from ..errors import BotError
from ..services import publishing_events
from ..services.notices import get_notice
from ..services.publishing import Publisher
from ..services.publishing_status import notice_publication, overview
from . import bp, support


@bp.post("/notices/<int(max=2147483647):notice_id>/<any(publish_now, retry_publish):action>")
@support.roles_required("admin")
def notice_publish(notice_id: int, action: str) -> Any:
    flow = support.workflow()
    session = flow.session
    notice = get_notice(session, notice_id)
    try:
        if action == "publish_now":
            publishing_events.publish_now(session, notice, g.user, support.now())
        else:
            publishing_events.retry(session, notice, g.user, support.now())
    except BotError as exc:
        session.rollback()
        flash(exc.message, "error")
        return redirect(url_for("console.notice_view", notice_id=notice_id))
    report = Publisher.from_services(support.services(), session).sweep()
    session.refresh(notice)
    if notice.state == "published":
        flash("已发布到公众号。", "ok")
    elif notice.state == "failed":
        flash(notice.failure_reason or "发布失败。", "error")
    else:
        flash(f"已提交发布：{publishing_summary(session, notice)}（{report.summary()}）", "warn")
    return redirect(url_for("console.notice_view", notice_id=notice_id))


def publishing_summary(session: Any, notice: Any) -> str:
    """One line on where a notice is on its way out."""
    pub = status_for_notice(session, notice)
    return pub["line"]


def status_for_notice(session: Any, notice: Any) -> dict[str, Any]:
    services = support.services()
    now = support.now()
    info = notice_publication(session, notice)
    facts = overview(session, services.store, services.settings, now)
    bundle = info["bundle"]
    line = ""
    if notice.state == "approved":
        if notice.scheduled_at and notice.scheduled_at > now:
            line = f"到 {support.local_filter(notice.scheduled_at)}（北京时间）后的下一次定时检查时自动发出"
        elif facts.mode == "mass" and facts.next_slot and facts.next_slot > now:
            line = (f"已到发布时间，但{_quota_text(facts.account_type)}，"
                    f"将在 {support.local_filter(facts.next_slot)}（北京时间）下一个可群发时段自动发出")
        else:
            line = f"已到发布时间，将在下一次定时检查（每 {facts.sweep_seconds} 秒一次）时发出"
        if not facts.scheduler_alive:
            line += "。注意：定时任务现在没有运行，请启动 scheduler 进程或由管理员点“立即发布”"
    elif notice.state == "publishing" and bundle is not None:
        if bundle.next_attempt_at and bundle.next_attempt_at > now:
            why = bundle.last_error or ""
            line = f"发布中：将于 {support.local_filter(bundle.next_attempt_at)} 自动重试（上次：{why}）"
        elif bundle.state == "submitted":
            line = "发布中：已提交微信，等待微信完成发布"
        else:
            line = "发布中"
    return {**info, "line": line, "overview": facts}


def _quota_text(account_type: str) -> str:
    return "今天的群发次数已用完（订阅号每天1次）" if account_type != "service" else "本月的群发次数已用完（服务号每月4次）"

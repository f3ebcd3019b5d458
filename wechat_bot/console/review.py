"""Review: the queue, the review page (findings, approve/reject, masks) and the audit trail."""
from __future__ import annotations

from typing import Any

from flask import flash, g, redirect, render_template, request, url_for
from sqlalchemy import select

from ..errors import Invalid
from ..models.notice import Notice
from ..services.notices import get_notice
from . import bp, support


@bp.get("/review")
@support.login_required
def review_queue() -> Any:
    flow = support.workflow()
    waiting = flow.session.scalars(select(Notice).where(Notice.state == "in_review").order_by(Notice.updated_at))
    rows = [(notice, flow.current_step_name(notice), flow.approval_refusal(g.user, notice)) for notice in waiting]
    return render_template("console/review/queue.html", rows=rows)


@bp.get("/review/<int(max=2147483647):notice_id>")
@support.login_required
def review_page(notice_id: int) -> Any:
    flow = support.workflow()
    page = support.notice_page(flow, get_notice(flow.session, notice_id))
    notice = page["notice"]
    return render_template(
        "console/review/page.html",
        **page,
        fixable=[f for f in page["findings"] if not f.blocking],
        refusal=flow.approval_refusal(g.user, notice),
        step_name=flow.current_step_name(notice),
    )


def _back(notice_id: int) -> Any:
    return redirect(url_for("console.review_page", notice_id=notice_id))


@bp.post("/review/<int(max=2147483647):notice_id>/approve")
@support.roles_required("reviewer")
def review_approve(notice_id: int) -> Any:
    flow = support.workflow()
    notice = get_notice(flow.session, notice_id)
    try:
        flow.approve(
            g.user, notice, comment=request.form.get("comment", ""), override_reason=request.form.get("override_reason", "")
        )
    except Invalid as exc:
        flow.session.rollback()
        flash(f"不能通过：{exc.message}", "error")
        return _back(notice_id)
    if notice.state == "approved":
        flash(f"已通过全部审核，定于 {support.local_filter(notice.scheduled_at)} 发布（到时由定时任务自动发出；群发次数用完时顺延到下一个可群发时段）。", "ok")
    else:
        flash(f"已通过，等待“{flow.current_step_name(notice)}”。", "ok")
    return _back(notice_id)


@bp.post("/review/<int(max=2147483647):notice_id>/reject")
@support.roles_required("reviewer")
def review_reject(notice_id: int) -> Any:
    flow = support.workflow()
    notice = get_notice(flow.session, notice_id)
    try:
        flow.reject(g.user, notice, request.form.get("reason", ""))
    except Invalid as exc:
        flow.session.rollback()
        flash(f"不能退回：{exc.message}", "error")
        return _back(notice_id)
    flash("稿件已退回修改。", "ok")
    return _back(notice_id)


@bp.post("/review/<int(max=2147483647):notice_id>/mask")
@support.login_required
def review_mask(notice_id: int) -> Any:
    flow = support.workflow()
    notice = get_notice(flow.session, notice_id)
    try:
        count = flow.apply_masks(g.user, notice)
    except Invalid as exc:
        flow.session.rollback()
        flash(exc.message, "error")
    else:
        flash(f"已脱敏 {count} 处，请核对脱敏后的内容。", "ok")
    if request.form.get("back") == "notice":
        return redirect(url_for("console.notice_view", notice_id=notice_id))
    return _back(notice_id)

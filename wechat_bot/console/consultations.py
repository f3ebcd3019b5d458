"""留言办理: the inbox of citizens' consultations, one consultation with its
messages, staff replies (through WeChat while its window allows, else recorded
as given another way), and the questions no guide answered."""
from __future__ import annotations

from typing import Any

from flask import flash, g, redirect, render_template, request, url_for

from ..errors import BotError, Invalid
from ..models.consultation import KINDS, OTHER_WAYS, STATUS_LABELS
from ..services import consultation_replies, consultations, unanswered
from . import bp, support


@bp.record_once
def _summary_global(state: Any) -> None:
    state.app.jinja_env.globals["consultation_summary"] = _summary


def _summary() -> dict[str, int]:
    """Open and overdue counts, for the dashboard's small block."""
    svc = support.services()
    opened, overdue = consultations.overdue_count(support.db(), svc.settings.consultations, support.now(), svc.settings.tz)
    return {"open": opened, "overdue": overdue}


@bp.get("/consultations")
@support.login_required
def consultation_list() -> Any:
    svc = support.services()
    status = request.args.get("status") or None
    if status not in (None, "open", "answered"):
        status = None
    rows = consultations.inbox(support.db(), svc.settings.consultations, support.now(), svc.settings.tz, status)
    return render_template("console/consultations/list.html", rows=rows, status=status, status_labels=STATUS_LABELS)


def _detail(consultation_id: int, error: str = "", form: dict[str, str] | None = None, status: int = 200) -> Any:
    svc = support.services()
    c = consultations.get(support.db(), consultation_id)
    return render_template(
        "console/consultations/view.html",
        c=c,
        row=consultations.row_of(c, svc.settings.consultations, support.now(), svc.settings.tz),
        window=consultation_replies.window(c, support.now(), svc.settings.tz),
        kinds=KINDS, other_ways=OTHER_WAYS, status_labels=STATUS_LABELS,
        error=error, form=form or {}, sandbox=svc.settings.sandbox,
    ), status


@bp.get("/consultations/<int(max=2147483647):consultation_id>")
@support.login_required
def consultation_view(consultation_id: int) -> Any:
    return _detail(consultation_id)


@bp.post("/consultations/<int(max=2147483647):consultation_id>/reply")
@support.login_required
def consultation_reply(consultation_id: int) -> Any:
    svc = support.services()
    text = request.form.get("text", "")
    try:
        consultation_replies.reply(support.db(), svc.gateway, consultation_id, by=g.user.name, text=text,
                                   now=support.now(), tz=svc.settings.tz)
    except BotError as exc:
        support.db().rollback()
        return _detail(consultation_id, exc.message, {"text": text}, 400)
    flash("答复已通过微信客服消息发送给群众。", "ok")
    return redirect(url_for("console.consultation_view", consultation_id=consultation_id))


@bp.post("/consultations/<int(max=2147483647):consultation_id>/record")
@support.login_required
def consultation_record(consultation_id: int) -> Any:
    text, via = request.form.get("text", ""), request.form.get("via", "")
    try:
        consultation_replies.record(support.db(), consultation_id, by=g.user.name, text=text, via=via, now=support.now())
    except Invalid as exc:
        support.db().rollback()
        return _detail(consultation_id, exc.message, {"record_text": text, "via": via}, 400)
    flash(f"已登记答复（方式：{via}）。", "ok")
    return redirect(url_for("console.consultation_view", consultation_id=consultation_id))


@bp.post("/consultations/<int(max=2147483647):consultation_id>/kind")
@support.login_required
def consultation_kind(consultation_id: int) -> Any:
    try:
        c = consultations.set_kind(support.db(), consultation_id, request.form.get("kind", ""), g.user.name)
    except Invalid as exc:
        support.db().rollback()
        return _detail(consultation_id, exc.message, status=400)
    flash(f"类别已改为“{c.kind}”。", "ok")
    return redirect(url_for("console.consultation_view", consultation_id=consultation_id))


@bp.get("/consultations/unanswered")
@support.login_required
def unanswered_list() -> Any:
    return render_template("console/consultations/unanswered.html", rows=unanswered.most_frequent(support.db()))

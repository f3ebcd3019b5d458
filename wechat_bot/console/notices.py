"""Notices: the list with filters, the editor with live preview, cover upload, the notice page."""
from __future__ import annotations

from typing import Any

from flask import (
    Response,
    flash,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)

from ..errors import BotError, Invalid
from ..models.notice import STATE_LABELS, STATES
from ..services import notice_content as content
from ..services.covers import Cover, check_cover
from ..services.notice_queries import list_notices
from ..services.notices import get_notice
from . import bp, support

FIELDS = ("title", "category", "digest", "author", "scheduled", "private_names", "body")
PREVIEW_FIELDS = ("title", "digest", "body", "private_names", "author")
PREVIEW_SHORT_MAX = 2_000  # every field but the body is far shorter in a real notice


@bp.get("/notices")
@support.login_required
def notice_list() -> Any:
    filters = {key: request.args.get(key, "").strip() for key in ("state", "category", "q")}
    error = ""
    try:
        rows = list_notices(support.db(), state=filters["state"], category=filters["category"], text=filters["q"])
    except Invalid as exc:
        rows, error = [], exc.message
    return render_template(
        "console/notices/list.html", rows=rows, filters=filters, error=error,
        states=STATES, state_labels=STATE_LABELS, categories=content.CATEGORIES,
    )


def _form_from_request() -> dict[str, Any]:
    form = {key: request.form.get(key, "") for key in FIELDS}
    form["original"] = request.form.get("original") == "1"
    return form


def _form_from_notice(notice: Any) -> dict[str, Any]:
    form = {key: getattr(notice, key, "") for key in FIELDS if key != "scheduled"}
    form["scheduled"] = support.local_filter(notice.scheduled_at, "%Y-%m-%dT%H:%M")
    form["original"] = notice.original
    return form


def _fields(flow: Any, form: dict[str, Any]) -> dict[str, Any]:
    return {
        "title": form["title"], "category": form["category"], "body": form["body"], "digest": form["digest"],
        "author": form["author"], "original": form["original"], "private_names": form["private_names"],
        "scheduled_at": content.parse_local_time(form["scheduled"], flow.tz),
    }


def _render_editor(notice: Any, form: dict[str, Any], error: str = "", status: int = 200) -> Any:
    return render_template(
        "console/notices/edit.html", notice=notice, form=form, error=error,
        categories=content.CATEGORIES, limits=content, default_author=support.services().settings.bureau.account_name,
    ), status


def _uploaded_cover() -> Cover | None:
    """The cover in this request, checked (and converted if asked) before anything is saved."""
    upload = request.files.get("cover")
    if upload is None or not upload.filename:
        return None
    try:
        return check_cover(upload.read(), convert=request.form.get("convert") == "1")
    except Invalid as exc:
        raise Invalid(f"封面未通过检查：{exc.message}") from None


@bp.route("/notices/new", methods=["GET", "POST"])
@support.roles_required("editor")
def notice_new() -> Any:
    flow = support.workflow()
    if request.method != "POST":
        blank = dict.fromkeys(FIELDS, "") | {"category": "police_news", "original": False}
        return _render_editor(None, blank)
    form = _form_from_request()
    try:
        cover = _uploaded_cover()
        notice = flow.create(g.user, **_fields(flow, form))
    except Invalid as exc:
        flow.session.rollback()
        return _render_editor(None, form, exc.message, 400)
    return _after_save(flow, notice, cover)


@bp.route("/notices/<int(max=2147483647):notice_id>/edit", methods=["GET", "POST"])
@support.roles_required("editor")
def notice_edit(notice_id: int) -> Any:
    flow = support.workflow()
    notice = get_notice(flow.session, notice_id)
    if request.method != "POST":
        return _render_editor(notice, _form_from_notice(notice))
    form = _form_from_request()
    try:
        cover = _uploaded_cover()
        flow.update(g.user, notice, **_fields(flow, form))
    except Invalid as exc:
        flow.session.rollback()
        return _render_editor(notice, form, exc.message, 400)
    return _after_save(flow, notice, cover)


def _after_save(flow: Any, notice: Any, cover: Cover | None) -> Any:
    """Attach the (already checked) cover, then submit if asked to."""
    try:
        if cover is not None:
            flow.set_cover(g.user, notice, cover)
        if request.form.get("action") == "submit":
            _flash_submitted(flow.submit(g.user, notice))
        else:
            flash("草稿已保存。", "ok")
    except BotError as exc:
        flow.session.rollback()
        flash(f"稿件已保存，但{exc.message}", "error")
        return redirect(url_for("console.notice_edit", notice_id=notice.id))
    return redirect(url_for("console.notice_view", notice_id=notice.id))


def _flash_submitted(findings: list) -> None:
    if findings:
        flash(f"已提交审核。隐私与保密检查发现 {len(findings)} 处问题，审核通过前须处理。", "warn")
    else:
        flash("已提交审核，隐私与保密检查通过。", "ok")


@bp.get("/notices/<int(max=2147483647):notice_id>")
@support.login_required
def notice_view(notice_id: int) -> Any:
    from .publishing import status_for_notice

    flow = support.workflow()
    notice = get_notice(flow.session, notice_id)
    publication = status_for_notice(flow.session, notice) if notice.state in PUBLISHING_STATES else None
    return render_template("console/notices/view.html", **support.notice_page(flow, notice), publication=publication)


PUBLISHING_STATES = ("approved", "publishing", "published", "failed")


@bp.post("/notices/<int(max=2147483647):notice_id>/<any(submit, withdraw, reopen):action>")
@support.login_required
def notice_action(notice_id: int, action: str) -> Any:
    flow = support.workflow()
    notice = get_notice(flow.session, notice_id)
    try:
        if action == "submit":
            _flash_submitted(flow.submit(g.user, notice))
        elif action == "withdraw":
            flow.withdraw(g.user, notice, request.form.get("reason", ""))
            flash("稿件已撤回。", "ok")
        else:
            flow.reopen(g.user, notice)
            flash("稿件已回到草稿，可以修改。", "ok")
    except BotError as exc:
        flow.session.rollback()
        flash(exc.message, "error")
    return redirect(url_for("console.notice_view", notice_id=notice_id))


@bp.post("/notices/<int(max=2147483647):notice_id>/cover/delete")
@support.roles_required("editor")
def notice_cover_delete(notice_id: int) -> Any:
    flow = support.workflow()
    flow.set_cover(g.user, get_notice(flow.session, notice_id), None)
    flash("封面已删除。", "ok")
    return redirect(url_for("console.notice_edit", notice_id=notice_id))


@bp.get("/notices/<int(max=2147483647):notice_id>/cover")
@support.login_required
def notice_cover(notice_id: int) -> Any:
    notice = get_notice(support.db(), notice_id)
    if not notice.cover_data:
        return Response(status=404)
    return Response(notice.cover_data, mimetype=notice.cover_mime or "image/jpeg", headers={"Cache-Control": "private, no-cache"})


def _refuse_preview(message: str) -> tuple[Response, int]:
    return jsonify(error=message), 400


@bp.post("/preview")
@support.login_required
def preview() -> Any:
    """The WeChat article as it would look, with the privacy findings marked (the editor's live preview)."""
    data = request.get_json(silent=True)
    if data is None:
        data = {}
    if not isinstance(data, dict):
        return _refuse_preview("预览请求的格式不正确（应为 JSON 对象），请刷新页面后重试。")
    text = {key: "" if data.get(key) is None else data[key] for key in PREVIEW_FIELDS}
    if not all(isinstance(value, str) for value in text.values()):
        return _refuse_preview("预览请求的格式不正确（各项内容应为文字），请刷新页面后重试。")
    text = {key: value if key == "body" else value[:PREVIEW_SHORT_MAX] for key, value in text.items()}
    try:
        content.check_markdown(text["body"])  # before the privacy scan and Markdown see it
    except Invalid as exc:
        return _refuse_preview(exc.message)
    flow = support.workflow()
    digest = " ".join(text["digest"].split())
    if not digest and text["body"].strip():
        digest = content.clean_digest("", text["body"])
    findings = flow.screener.screen(text["title"], digest, text["body"], text["private_names"], author=text["author"])
    return jsonify(
        html=support.highlighted_body(text["body"], findings),
        digest=digest,
        title_length=len(" ".join(text["title"].split())),
        findings=[
            {"where": f.where, "label": f.finding.label, "message": f.finding.message, "text": f.finding.text,
             "mask": f.finding.mask, "blocking": f.blocking}
            for f in findings
        ],
    )

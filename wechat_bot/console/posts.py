"""The post log: every post of a local year on any channel, filtered and searched, with totals;
and a form to log one post made on another channel (website, sunshine police, weibo…)."""
from __future__ import annotations

from typing import Any

from flask import flash, g, redirect, render_template, request, url_for

from ..errors import Invalid
from ..models.post import CHANNELS
from ..services import post_queries
from ..services.notice_content import CATEGORIES
from ..services.posts import add_by_hand
from . import bp, support

FORM_FIELDS = ("published_at", "channel", "category", "title", "url", "external_id")


def _year(value: str | None) -> int:
    try:
        return int(value) if value else support.now().astimezone(support.services().settings.tz).year
    except ValueError:
        raise Invalid(f"年份应为数字，如 2019（现在是“{value[:20]}”）") from None


def _render(form: dict[str, str] | None = None, error: str = "", status: int = 200) -> Any:
    args = request.args if request.method == "GET" else request.form
    filters = {key: args.get(key, "").strip() for key in ("year", "channel", "category", "q")}
    year = _year(filters["year"])
    filters["year"] = str(year)
    try:
        page = max(1, int(request.args.get("page", "1")))
    except ValueError:
        page = 1
    list_error = ""
    try:
        log = post_queries.post_log(support.db(), year, channel=filters["channel"], category=filters["category"],
                                    text=filters["q"], page=page)
    except Invalid as exc:
        log, list_error = post_queries.PostLog(year=year), exc.message
    years = sorted(set(post_queries.years(support.db())) | {year}, reverse=True)
    blank = {"published_at": "", "channel": "website", "category": "overview", "title": "", "url": "", "external_id": ""}
    return render_template(
        "console/posts/list.html", log=log, filters=filters, years=years, channels=CHANNELS,
        categories=CATEGORIES, form=form or blank, error=error, list_error=list_error,
    ), status


@bp.get("/posts")
@support.login_required
def post_list() -> Any:
    return _render()


@bp.post("/posts")
@support.roles_required("editor")
def post_add() -> Any:
    form = {key: request.form.get(key, "") for key in FORM_FIELDS}
    session = support.db()
    try:
        post, created = add_by_hand(session, tz=support.services().settings.tz, by=g.user.name, **form)
    except Invalid as exc:
        session.rollback()
        return _render(form, exc.message, 400)
    when = support.local_filter(post.published_at)
    if created:
        flash(f"已记录：{CHANNELS.get(post.channel, post.channel)} {when}《{post.title}》。", "ok")
    else:
        flash(f"这条发布记录此前已有（{when}《{post.title}》），未重复记录。", "warn")
    year = post.local_year
    return redirect(url_for("console.post_list", year=year, channel=post.channel))

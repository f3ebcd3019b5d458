"""Accounts and roles (admins only)."""
from __future__ import annotations

from typing import Any

from flask import flash, g, redirect, render_template, request, url_for

from ..errors import Invalid
from ..models.user import ROLE_LABELS, ROLES
from ..services.users import create_user, get_user, list_users, update_user
from . import bp, support


def _render(error: str = "", form: dict[str, str] | None = None, status: int = 200) -> Any:
    return render_template(
        "console/users/list.html", users=list_users(support.db()), roles=ROLES, role_labels=ROLE_LABELS,
        error=error, form=form or {"name": "", "display_name": "", "role": "editor"},
    ), status


@bp.get("/users")
@support.roles_required("admin")
def user_list() -> Any:
    return _render()


@bp.post("/users")
@support.roles_required("admin")
def user_add() -> Any:
    form = {key: request.form.get(key, "") for key in ("name", "display_name", "role")}
    try:
        user = create_user(support.db(), form["name"], form["role"], request.form.get("password", ""),
                           support.now(), display_name=form["display_name"])
    except Invalid as exc:
        support.db().rollback()
        return _render(exc.message, form, 400)
    flash(f"已创建账号“{user.name}”（{user.role_label}）。", "ok")
    return redirect(url_for("console.user_list"))


@bp.route("/users/<int(max=2147483647):user_id>", methods=["GET", "POST"])
@support.roles_required("admin")
def user_edit(user_id: int) -> Any:
    user = get_user(support.db(), user_id)
    error = ""
    if request.method == "POST":
        try:
            update_user(
                support.db(), g.user, user,
                role=request.form.get("role", ""),
                display_name=request.form.get("display_name", ""),
                active=request.form.get("active") == "1",
                password=request.form.get("password", ""),
            )
        except Invalid as exc:
            support.db().rollback()
            error = exc.message
        else:
            flash(f"账号“{user.name}”已更新。", "ok")
            return redirect(url_for("console.user_list"))
    return render_template(
        "console/users/edit.html", user=user, roles=ROLES, role_labels=ROLE_LABELS, error=error
    ), (400 if error else 200)

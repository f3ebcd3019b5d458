"""Sign in (throttled per account + address) and sign out."""
from __future__ import annotations

from typing import Any

from flask import g, redirect, render_template, request, session, url_for

from ..services.users import LoginThrottle, authenticate
from . import bp, support


def _throttle() -> LoginThrottle:
    return LoginThrottle(support.services().store)


@bp.route("/login", methods=["GET", "POST"])
def login() -> Any:
    next_url = request.values.get("next", "")
    if request.method != "POST":  # GET, and the HEAD Flask answers with it
        if g.get("user") is not None:
            return redirect(support.safe_next(next_url))
        return render_template("console/auth/login.html", next=next_url, name="", error="")
    name = request.form.get("name", "").strip()
    password = request.form.get("password", "")
    address = request.remote_addr or "-"
    throttle = _throttle()
    wait = throttle.locked_for(name, address)
    if wait:
        minutes = max(1, (wait + 59) // 60)
        error = f"登录失败次数过多，此账号在本机已被暂时锁定，请 {minutes} 分钟后再试。"
        return render_template("console/auth/login.html", next=next_url, name=name, error=error), 429
    user = authenticate(support.db(), name, password)
    if user is None:
        left = throttle.failed(name, address)
        if left:
            error = f"账号或密码不正确（再错 {left} 次将锁定 15 分钟）。"
        else:
            error = "登录失败次数过多，此账号在本机已被暂时锁定，请 15 分钟后再试。"
        return render_template("console/auth/login.html", next=next_url, name=name, error=error), 401
    throttle.succeeded(name, address)
    support.sign_in(user)
    return redirect(support.safe_next(next_url))


@bp.post("/logout")
def logout() -> Any:
    session.clear()
    return redirect(url_for("console.login"))

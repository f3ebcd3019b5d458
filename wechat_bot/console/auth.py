"""Sign in (throttled per account + address, and per account) and sign out.

The address is ``request.remote_addr``. Behind nginx that is nginx's own
address unless ``web.trusted_proxies`` makes the app factory trust its
X-Forwarded-For (werkzeug's ProxyFix). Without it every client shares one
address, so the per-address limit (5) locks an account for everyone; with it,
locking someone out takes the per-account limit (20) from several addresses.
"""
from __future__ import annotations

from typing import Any

from flask import g, redirect, render_template, request, session, url_for

from ..services.users import LoginThrottle, authenticate, revoke_sessions
from . import bp, support


def _throttle() -> LoginThrottle:
    return LoginThrottle(support.services().store)


def _locked_text(per_account: bool, seconds: int) -> str:
    minutes = max(1, (seconds + 59) // 60)
    where = "" if per_account else "在本机"
    return f"登录失败次数过多，此账号{where}已被暂时锁定，请 {minutes} 分钟后再试。"


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
    # Counted before the password is checked: parallel guesses cannot all get under the limit.
    attempt = throttle.attempt(name, address)
    if attempt.locked_for:
        error = _locked_text(attempt.per_account, attempt.locked_for)
        return render_template("console/auth/login.html", next=next_url, name=name, error=error), 429
    user = authenticate(support.db(), name, password)
    if user is None:
        if attempt.left:
            minutes = throttle.window // 60
            error = f"账号或密码不正确（再错 {attempt.left} 次将锁定 {minutes} 分钟）。"
        else:
            error = _locked_text(attempt.per_account, throttle.window)
        return render_template("console/auth/login.html", next=next_url, name=name, error=error), 401
    throttle.succeeded(name, address)
    support.sign_in(user)
    return redirect(support.safe_next(next_url))


@bp.post("/logout")
def logout() -> Any:
    if g.get("user") is not None:
        # Signs this account out everywhere: a cookie copied before now opens nothing.
        revoke_sessions(g.user)
        support.db().commit()
    session.clear()
    return redirect(url_for("console.login"))

"""What every console view shares: the signed-in user, roles, CSRF, the workflow, times."""
from __future__ import annotations

import hmac
import posixpath
import secrets
import time
from collections.abc import Callable
from datetime import datetime
from functools import wraps
from typing import Any
from urllib.parse import quote, unquote

from flask import abort, current_app, g, redirect, request, session, url_for
from markupsafe import escape

from ..db import get_session
from ..errors import Invalid
from ..models.user import ROLES
from ..services import notice_content
from ..services.notice_content import local_text
from ..services.notices import NoticeWorkflow
from . import highlight

CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
SESSION_SECONDS = 12 * 3600


def services() -> Any:
    return current_app.extensions["wechat_bot"]


def db() -> Any:
    return get_session()


def workflow() -> NoticeWorkflow:
    svc = services()
    return NoticeWorkflow.from_settings(get_session(), svc.settings, svc.clock)


def now() -> datetime:
    return services().clock()


def local_filter(when: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    return local_text(when, services().settings.tz, fmt)


# --- who is signed in ------------------------------------------------------------

def load_user() -> None:
    from ..models.user import User

    g.user = None
    uid = session.get("uid")
    if uid is None:
        return
    if time.time() - float(session.get("login_at", 0)) > SESSION_SECONDS:
        session.clear()
        return
    user = get_session().get(User, uid)
    # A session signed before the account's last sign-out, password, role or status
    # change is void: the cookie alone (copied, or kept after logout) opens nothing.
    if user is None or not user.active or session.get("epoch") != user.session_epoch:
        session.clear()
        return
    g.user = user


def sign_in(user: Any) -> None:
    session.clear()
    session["uid"] = user.id
    session["login_at"] = time.time()
    session["epoch"] = user.session_epoch
    session[CSRF_FIELD] = secrets.token_urlsafe(32)  # a new token for the new session


def login_required(view: Callable[..., Any]) -> Callable[..., Any]:
    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if g.get("user") is None:
            return redirect(url_for("console.login", next=request.full_path.rstrip("?")))
        return view(*args, **kwargs)

    # Who may call the view, for the access test that walks every console route.
    wrapped.allowed_roles = getattr(view, "allowed_roles", frozenset(ROLES))  # type: ignore[attr-defined]
    return wrapped


def roles_required(*roles: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Signed in with one of ``roles`` (admins always pass)."""

    def decorator(view: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(view)
        @login_required
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not g.user.can(*roles):
                abort(403)
            return view(*args, **kwargs)

        wrapped.allowed_roles = frozenset(roles) | {"admin"}  # type: ignore[attr-defined]
        return wrapped

    return decorator


def safe_next(target: str | None) -> str:
    """Only paths inside the console: never an open redirect, never a header split by CR/LF."""

    def plain(text: str) -> bool:
        return not any(ord(ch) < 0x20 or ord(ch) == 0x7F or ch == "\\" for ch in text)

    if target and len(target) <= 2000 and plain(target) and not target.startswith("//"):
        # The path as the browser will resolve it: /console/../../evil is /evil, and
        # /console-evil or %2e%2e segments are not inside the console either.
        path, _, query = target.partition("?")
        decoded = unquote(path)
        resolved = posixpath.normpath(decoded)
        if plain(decoded) and (resolved == "/console" or resolved.startswith("/console/")):
            slash = "/" if decoded.endswith("/") and not resolved.endswith("/") else ""
            return quote(resolved + slash, safe="/:@!$&'()*+,;=-._~") + (f"?{query}" if query else "")
    return url_for("console.dashboard")


# --- CSRF ---------------------------------------------------------------------------

def csrf_token() -> str:
    token = session.get(CSRF_FIELD)
    if not token:
        token = session[CSRF_FIELD] = secrets.token_urlsafe(32)
    return token


def check_csrf() -> None:
    expected = session.get(CSRF_FIELD)
    sent = request.form.get(CSRF_FIELD) or request.headers.get(CSRF_HEADER)
    # Compared as bytes: compare_digest raises TypeError on a str with non-ASCII characters.
    if not expected or not sent or not hmac.compare_digest(str(expected).encode(), str(sent).encode()):
        abort(400, description="页面已过期或请求来源不明（缺少安全令牌），请刷新页面后重试。")


def refuse_control_characters_in_form() -> None:
    """Every text a form sends (reasons, comments, replies, titles …): no control characters.
    They are invisible to the next reader and PostgreSQL refuses NUL outright."""
    for key, value in request.form.items(multi=True):
        try:
            notice_content.refuse_control_characters(value, "提交的内容")
        except Invalid as exc:
            abort(400, description=exc.message)


def highlighted_body(body: str, findings: Any) -> str:
    """The article HTML with the body's privacy findings marked, for previews and review.

    A body that Markdown refuses (too long, nested too deeply) shows the reason instead.
    """
    spans = [highlight.Span(f.finding.start, f.finding.end, f.finding.message) for f in findings if f.field == "body"]
    try:
        return highlight.render_highlighted(body, spans)
    except Invalid as exc:
        return f'<p class="flash error">无法排版正文：{escape(exc.message)}</p>'


def notice_page(flow: NoticeWorkflow, notice: Any) -> dict[str, Any]:
    """What the notice and review pages both show: findings, highlighted article, audit trail."""
    from ..services.notice_queries import trail

    findings = flow.screen(notice)
    return {
        "notice": notice,
        "flow": flow,
        "findings": findings,
        "html": highlighted_body(notice.body, findings),
        "category": notice_content.category_label(notice.category),
        "trail": trail(flow.session, notice, flow.tz, flow.step_names),
    }

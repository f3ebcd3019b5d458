"""/console: the staff console (server-rendered, Simplified Chinese, phone-friendly).

One module per area: auth, dashboard, notices, review, users, posts, reports. Views are thin:
they read the form, call one service, and render. Every POST carries the
session's CSRF token; the session cookie is HttpOnly, SameSite=Lax, and Secure
whenever ``web.public_url`` is an https address.
"""
from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from flask import Blueprint, Response, g, render_template, request

from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from ..db import describe
from ..errors import BotError, NotFound
from . import support

log = logging.getLogger(__name__)

bp = Blueprint("console", __name__, url_prefix="/console")

SESSION_HOURS = 12


@bp.record_once
def _configure_session_cookie(state: Any) -> None:
    app = state.app
    settings = app.extensions["wechat_bot"].settings
    app.config.update(
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        # Secure only when the console is served over https (web.public_url);
        # on http://127.0.0.1 a Secure cookie would never come back.
        SESSION_COOKIE_SECURE=settings.web.public_url.startswith("https://"),
        PERMANENT_SESSION_LIFETIME=timedelta(hours=SESSION_HOURS),
    )
    app.jinja_env.filters["local"] = support.local_filter
    app.jinja_env.globals["csrf_token"] = support.csrf_token


@bp.before_request
def _before() -> None:
    support.load_user()
    if request.method not in ("GET", "HEAD", "OPTIONS"):
        support.check_csrf()


@bp.after_request
def _headers(response: Response) -> Response:
    response.headers.setdefault("Cache-Control", "no-store")
    response.headers["X-Frame-Options"] = "SAMEORIGIN"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "same-origin"
    response.headers["Content-Security-Policy"] = (
        "default-src 'self'; img-src 'self' data: https://mmbiz.qpic.cn; style-src 'self'; "
        "script-src 'self'; object-src 'none'; frame-ancestors 'self'; form-action 'self'; base-uri 'none'"
    )
    return response


@bp.context_processor
def _context() -> dict[str, Any]:
    services = support.services()
    return {
        "me": g.get("user"),
        "account_name": services.settings.bureau.account_name,
        "step_names": services.settings.review.names,
    }


@bp.errorhandler(BotError)
def _refused(exc: BotError) -> tuple[str, int]:
    status = 404 if isinstance(exc, NotFound) else 400
    return render_template("console/error.html", message=exc.message), status


@bp.errorhandler(OperationalError)
@bp.errorhandler(InterfaceError)
@bp.errorhandler(PoolTimeout)
def _database_unavailable(exc: Exception) -> tuple[str, int]:
    # The database is down or refusing connections (db.is_unavailable): say so, no traceback.
    log.warning("console: database unavailable on %s (%s)", request.path, describe(exc))
    return render_template("console/error.html", message="数据库暂时无法连接，请稍后再试；持续出现请联系系统管理员。"), 503


@bp.errorhandler(403)
def _forbidden(_exc: Any) -> tuple[str, int]:
    return render_template("console/error.html", message="您的账号没有权限进行此操作。"), 403


@bp.errorhandler(413)
def _too_large(_exc: Any) -> tuple[str, int]:
    return render_template("console/error.html", message="上传的文件太大（最大 2MB），请压缩后再上传。"), 413


@bp.errorhandler(400)
def _bad_request(exc: Any) -> tuple[str, int]:
    message = getattr(exc, "description", "") or "请求无效"
    return render_template("console/error.html", message=message), 400


from . import auth, consultations, dashboard, guide_reviews, notices, posts, publishing, reports, review, users  # noqa: E402,F401  (routes attach to bp)

"""access_token issuance and checking: ``/token`` and ``/stable_token`` (O-token, O-stable).

* ``/token``: every call issues a new token (7200 s); the previous ones keep
  working for 5 more minutes, then answer 40001 ("not latest").
* ``/stable_token``: isolated from ``/token``. Normal mode returns the current
  stable token while it has ≥ 300 s left (then renews it); ``force_refresh``
  invalidates it at once, at most 20 times a day and 30 s apart.
* An API call with a malformed token gets 40014, an unknown or superseded one
  40001, one past its 7200 s 42001, none at all 41001.
"""
from __future__ import annotations

import re
import secrets
import sqlite3
from typing import Any

from .api import ApiRequest, json_object, route
from .codes import ApiError
from .quotas import STABLE_FORCE_PER_DAY, STABLE_FORCE_SPACING, local_day
from .store import get_meta, set_meta

TOKEN_TTL = 7200
ROTATE_GRACE = 300
STABLE_RENEW_BEFORE = 300
TOKEN_RE = re.compile(r"^\d{2,3}_[A-Za-z0-9_-]{100,}$")


def _new_token() -> str:
    return f"{80 + secrets.randbelow(19)}_{secrets.token_urlsafe(110)}"


def check_credentials(app_id: str, app_secret: str, params: dict[str, object], *,
                      wrong_secret: int) -> None:
    if params.get("grant_type") != "client_credential":
        raise ApiError(40002)
    if not params.get("appid"):
        raise ApiError(41002)
    if not params.get("secret"):
        raise ApiError(41004)
    if params["appid"] != app_id:
        raise ApiError(40013)
    if params["secret"] != app_secret:
        raise ApiError(wrong_secret)


def _insert(conn: sqlite3.Connection, kind: str, now: float) -> str:
    token = _new_token()
    conn.execute(
        "INSERT INTO tokens (token, kind, issued_at, expires_at, valid_until)"
        " VALUES (?, ?, ?, ?, ?)", (token, kind, now, now + TOKEN_TTL, now + TOKEN_TTL))
    return token


def issue_token(conn: sqlite3.Connection, now: float) -> tuple[str, int]:
    """``GET /cgi-bin/token``: rotate; the previous tokens get a 5-minute grace."""
    conn.execute(
        "UPDATE tokens SET valid_until = MIN(valid_until, ?)"
        " WHERE kind = 'token' AND valid_until > ?", (now + ROTATE_GRACE, now))
    return _insert(conn, "token", now), TOKEN_TTL


def stable_token(conn: sqlite3.Connection, now: float, force: bool) -> tuple[str, int]:
    """``POST /cgi-bin/stable_token`` in normal or force-refresh mode."""
    if force:
        day = local_day(now)
        used = int(get_meta(conn, f"stable_force:{day}", "0") or 0)
        if used >= STABLE_FORCE_PER_DAY:
            raise ApiError(45009)
        last = float(get_meta(conn, "stable_force:last", "-1e18") or 0)
        if now - last < STABLE_FORCE_SPACING:
            raise ApiError(45011)
        set_meta(conn, f"stable_force:{day}", str(used + 1))
        set_meta(conn, "stable_force:last", repr(now))
        conn.execute("UPDATE tokens SET valid_until = MIN(valid_until, ?)"
                     " WHERE kind = 'stable'", (now,))
        return _insert(conn, "stable", now), TOKEN_TTL
    row = conn.execute(
        "SELECT token, valid_until FROM tokens WHERE kind = 'stable' AND valid_until > ?"
        " ORDER BY issued_at DESC LIMIT 1", (now,)).fetchone()
    if row and row["valid_until"] - now >= STABLE_RENEW_BEFORE:
        return row["token"], int(row["valid_until"] - now)
    # Renewed by the platform 5 minutes before expiry; the old one runs out on its own.
    return _insert(conn, "stable", now), TOKEN_TTL


def check_access_token(conn: sqlite3.Connection, token: str | None, now: float) -> None:
    if not token:
        raise ApiError(41001)
    if not TOKEN_RE.match(token):
        raise ApiError(40014)
    row = conn.execute("SELECT expires_at, valid_until FROM tokens WHERE token = ?",
                       (token,)).fetchone()
    if row is None:
        raise ApiError(40001)
    if now >= row["expires_at"]:
        raise ApiError(42001)
    if now >= row["valid_until"]:
        raise ApiError(40001)


@route("token", method="GET", needs_token=False, body="none")
def get_token(ctx: Any, conn: sqlite3.Connection, req: ApiRequest) -> dict[str, Any]:
    check_credentials(ctx.app_id, ctx.app_secret, dict(req.params), wrong_secret=40001)
    token, expires_in = issue_token(conn, req.now)
    return {"access_token": token, "expires_in": expires_in}


@route("stable_token", needs_token=False)
def get_stable_token(ctx: Any, conn: sqlite3.Connection, req: ApiRequest) -> dict[str, Any]:
    body = json_object(req)
    check_credentials(ctx.app_id, ctx.app_secret, body, wrong_secret=40125)
    force = body.get("force_refresh") in (True, "true", 1)
    token, expires_in = stable_token(conn, req.now, force)
    return {"access_token": token, "expires_in": expires_in}

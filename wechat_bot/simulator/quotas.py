"""Quotas and windows: per-API daily limits, mass-send quota, 客服 windows.

Days and months are counted in Beijing time (UTC+8, no DST), like WeChat.
Figures: wechat-platform.md §1.5, §2.3, §2.4, §2.7.
"""
from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta, timezone

from .codes import ApiError

BEIJING = timezone(timedelta(hours=8), "Asia/Shanghai")

# Daily API limits of a newly registered account (O-limits); 45009 beyond.
DEFAULT_DAILY_LIMITS: dict[str, int] = {
    "cgi-bin/token": 2_000,
    "cgi-bin/stable_token": 500_000,
    "cgi-bin/menu/create": 1_000,
    "cgi-bin/menu/get": 10_000,
    "cgi-bin/message/custom/send": 500_000,
    "cgi-bin/material/add_material": 100_000,
    "cgi-bin/media/uploadimg": 100_000,
    "cgi-bin/draft/add": 1_000,
    "cgi-bin/draft/get": 500,
    "cgi-bin/freepublish/submit": 100,
    "cgi-bin/freepublish/get": 100,
    "cgi-bin/message/mass/sendall": 100,
}

STABLE_FORCE_PER_DAY = 20
STABLE_FORCE_SPACING = 30.0  # seconds

# 客服消息 windows (O-kf): what a user action grants.
MESSAGE_WINDOW = (48 * 3600.0, 5)   # user sent a message: 5 messages / 48 h
EVENT_WINDOW = (60.0, 3)            # menu click or subscribe: 3 messages / 1 min

MASS_PER_DAY_SUBSCRIPTION = 1
MASS_PER_MONTH_SERVICE = 4


def local_day(ts: float) -> str:
    return datetime.fromtimestamp(ts, BEIJING).strftime("%Y-%m-%d")


def local_month(ts: float) -> str:
    return datetime.fromtimestamp(ts, BEIJING).strftime("%Y-%m")


def consume_daily(conn: sqlite3.Connection, api: str, ts: float,
                  limits: dict[str, int]) -> None:
    """Count one call of ``api`` today; 45009 once the day's limit is reached."""
    limit = limits.get(api)
    if limit is None:
        return
    day = local_day(ts)
    row = conn.execute("SELECT count FROM usage WHERE api = ? AND day = ?",
                       (api, day)).fetchone()
    used = row["count"] if row else 0
    if used >= limit:
        raise ApiError(45009)
    conn.execute("INSERT OR REPLACE INTO usage (api, day, count) VALUES (?, ?, ?)",
                 (api, day, used + 1))


def check_mass_quota(conn: sqlite3.Connection, account_type: str, is_to_all: bool,
                     ts: float) -> None:
    """45028 when the account's mass-send quota is used up (O-mass).

    订阅号: one successful send per Beijing calendar day (all users or a tag).
    服务号: four sends to all users per calendar month; tag sends do not count.
    """
    if account_type == "service":
        if not is_to_all:
            return
        (used,) = conn.execute(
            "SELECT COUNT(*) FROM mass_sends WHERE local_month = ? AND is_to_all = 1",
            (local_month(ts),)).fetchone()
        if used >= MASS_PER_MONTH_SERVICE:
            raise ApiError(45028)
        return
    (used,) = conn.execute("SELECT COUNT(*) FROM mass_sends WHERE local_day = ?",
                           (local_day(ts),)).fetchone()
    if used >= MASS_PER_DAY_SUBSCRIPTION:
        raise ApiError(45028)


def grant_window(conn: sqlite3.Connection, openid: str, kind: str, ts: float) -> None:
    """A user action opens (or restarts) a 客服 window of the given kind."""
    seconds, quota = MESSAGE_WINDOW if kind == "message" else EVENT_WINDOW
    conn.execute(
        "INSERT OR REPLACE INTO grants (openid, kind, starts_at, expires_at, quota, used)"
        " VALUES (?, ?, ?, ?, ?, 0)", (openid, kind, ts, ts + seconds, quota))


def use_window(conn: sqlite3.Connection, openid: str, ts: float) -> None:
    """Spend one 客服 message: 45015 outside every window, 45047 when all are used up."""
    rows = conn.execute(
        "SELECT kind, quota, used FROM grants WHERE openid = ? AND expires_at > ?"
        " ORDER BY expires_at", (openid, ts)).fetchall()
    if not rows:
        raise ApiError(45015)
    for row in rows:
        if row["used"] < row["quota"]:
            conn.execute("UPDATE grants SET used = used + 1 WHERE openid = ? AND kind = ?",
                         (openid, row["kind"]))
            return
    raise ApiError(45047)

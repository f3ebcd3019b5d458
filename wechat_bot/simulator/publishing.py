"""发布 (freepublish) and 群发 (mass/sendall), both asynchronous (wechat-platform.md §2).

Submitting records a job; ``complete_jobs`` (called by tests, or by the
auto-complete thread in live mode) finishes it, deletes the draft where WeChat
does, and returns the event XML to push.
"""
from __future__ import annotations

import hashlib
import json
import secrets
import sqlite3
from typing import Any

from . import events
from .api import ApiRequest, json_object, route
from .codes import ApiError
from .drafts import drop_draft, load_draft
from .quotas import check_mass_quota, local_day, local_month
from .store import dumps, next_id

APPMSG_START = 2_247_483_650   # publish_id / msg_data_id space (as in real samples)
MSG_ID_START = 1_000_000_001
CLIENTMSGID_MAX_BYTES = 64
CLIENTMSGID_WINDOW = 24 * 3600.0

PUBLISHING, PUBLISHED, PUBLISH_FAILED = 1, 0, 3


@route("freepublish/submit")
def submit(ctx: Any, conn: sqlite3.Connection, req: ApiRequest) -> dict[str, Any]:
    media_id = json_object(req).get("media_id")
    if not ctx.verified:
        raise ApiError(48001)
    articles = load_draft(conn, media_id)
    publish_id = next_id(conn, "appmsg", APPMSG_START)
    conn.execute(
        "INSERT INTO publishes (publish_id, msg_data_id, media_id, articles, status,"
        " submitted_at, due_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
        (str(publish_id), publish_id, str(media_id), dumps(articles), PUBLISHING,
         req.now, req.now + ctx.job_delay))
    return {"errcode": 0, "errmsg": "ok", "publish_id": str(publish_id),
            "msg_data_id": publish_id}


@route("freepublish/get")
def get(ctx: Any, conn: sqlite3.Connection, req: ApiRequest) -> dict[str, Any]:
    publish_id = str(json_object(req).get("publish_id") or "")
    row = conn.execute("SELECT * FROM publishes WHERE publish_id = ?",
                       (publish_id,)).fetchone()
    if row is None:
        raise ApiError(40007, "invalid publish_id")
    body: dict[str, Any] = {"publish_id": publish_id, "publish_status": row["status"]}
    if row["article_id"]:
        body["article_id"] = row["article_id"]
    if row["status"] == PUBLISHED:
        urls = json.loads(row["urls"])
        body["article_detail"] = {
            "count": len(urls),
            "item": [{"idx": i, "article_url": u} for i, u in enumerate(urls, start=1)]}
    body["fail_idx"] = json.loads(row["fail_idx"] or "[]")
    return body


@route("message/mass/sendall")
def sendall(ctx: Any, conn: sqlite3.Connection, req: ApiRequest) -> dict[str, Any]:
    body = json_object(req)
    if not ctx.verified:
        raise ApiError(48001)
    filt = body.get("filter") or {}
    is_to_all = bool(filt.get("is_to_all"))
    if not is_to_all and filt.get("tag_id") in (None, ""):
        raise ApiError(47001)
    if body.get("msgtype") != "mpnews":
        raise ApiError(40008)
    media_id = str((body.get("mpnews") or {}).get("media_id") or "")
    clientmsgid = body.get("clientmsgid")
    if clientmsgid is None:  # WeChat then uses a digest of scope + content
        clientmsgid = hashlib.sha1(dumps([filt, media_id]).encode()).hexdigest()
    clientmsgid = str(clientmsgid)
    if len(clientmsgid.encode()) > CLIENTMSGID_MAX_BYTES:
        raise ApiError(45067)
    seen = conn.execute(
        "SELECT msg_id FROM mass_sends WHERE clientmsgid = ? AND submitted_at > ?"
        " ORDER BY submitted_at DESC LIMIT 1",
        (clientmsgid, req.now - CLIENTMSGID_WINDOW)).fetchone()
    if seen:
        raise ApiError(45065, msg_id=seen["msg_id"])
    articles = load_draft(conn, media_id)
    check_mass_quota(conn, ctx.account_type, is_to_all, req.now)
    msg_id = next_id(conn, "msg_id", MSG_ID_START)
    msg_data_id = next_id(conn, "appmsg", APPMSG_START)
    conn.execute(
        "INSERT INTO mass_sends (msg_id, msg_data_id, clientmsgid, media_id, is_to_all,"
        " articles, state, local_day, local_month, submitted_at, due_at)"
        " VALUES (?, ?, ?, ?, ?, ?, 'sending', ?, ?, ?, ?)",
        (msg_id, msg_data_id, clientmsgid, media_id, int(is_to_all), dumps(articles),
         local_day(req.now), local_month(req.now), req.now, req.now + ctx.job_delay))
    if is_to_all:  # "media_id becomes invalid and the draft is deleted" (O-mass)
        drop_draft(conn, media_id)
    return {"errcode": 0, "errmsg": "send job submission success", "msg_id": msg_id,
            "msg_data_id": msg_data_id}


@route("message/mass/get")
def mass_get(ctx: Any, conn: sqlite3.Connection, req: ApiRequest) -> dict[str, Any]:
    """Status of a mass send: SEND_SUCCESS, SENDING, SEND_FAIL (O-mass 查询群发消息发送状态)."""
    msg_id = json_object(req).get("msg_id")
    row = conn.execute("SELECT state FROM mass_sends WHERE msg_id = ?",
                       (str(msg_id or ""),)).fetchone()
    if row is None:
        raise ApiError(40007, "invalid msg_id")
    status = {"sending": "SENDING", "sent": "SEND_SUCCESS"}.get(row["state"], "SEND_FAIL")
    return {"msg_id": int(msg_id), "msg_status": status}


def article_url(biz: str, mid: int, idx: int) -> str:
    sn = hashlib.md5(f"{biz}:{mid}:{idx}".encode()).hexdigest()
    return (f"http://mp.weixin.qq.com/s?__biz={biz}&mid={mid}&idx={idx}&sn={sn}"
            f"&chksm={secrets.token_hex(20)}#rd")


def complete_jobs(ctx: Any, conn: sqlite3.Connection, now: float, *,
                  due_only: bool) -> list[str]:
    """Finish pending publish and mass-send jobs; return the event XML to push."""
    limit = now if due_only else float("inf")
    pushes: list[str] = []
    for row in conn.execute("SELECT * FROM publishes WHERE status = ? AND due_at <= ?"
                            " ORDER BY submitted_at", (PUBLISHING, limit)).fetchall():
        pushes.append(_finish_publish(ctx, conn, row, now))
    for row in conn.execute("SELECT * FROM mass_sends WHERE state = 'sending'"
                            " AND due_at <= ? ORDER BY submitted_at", (limit,)).fetchall():
        pushes.append(_finish_mass(ctx, conn, row, now))
    return pushes


def _finish_publish(ctx: Any, conn: sqlite3.Connection, row: sqlite3.Row,
                    now: float) -> str:
    count = len(json.loads(row["articles"]))
    status = ctx.take_job_outcome("publish")
    article_id = secrets.token_urlsafe(48)
    urls: list[str] = []
    fail_idx: list[int] = []
    if status == PUBLISHED:
        urls = [article_url(ctx.biz, row["msg_data_id"], i) for i in range(1, count + 1)]
        drop_draft(conn, row["media_id"])  # "removed once published" (O-draft)
    else:
        fail_idx = list(range(1, count + 1))
    conn.execute(
        "UPDATE publishes SET status = ?, article_id = ?, urls = ?, fail_idx = ?,"
        " done_at = ? WHERE publish_id = ?",
        (status, article_id, dumps(urls), dumps(fail_idx), now, row["publish_id"]))
    return events.publish_job_finish(
        to_user=ctx.original_id, from_user=ctx.system_openid, create_time=int(now),
        publish_id=row["publish_id"], publish_status=status, article_id=article_id,
        article_urls=urls, fail_idx=fail_idx)


def _finish_mass(ctx: Any, conn: sqlite3.Connection, row: sqlite3.Row, now: float) -> str:
    count = len(json.loads(row["articles"]))
    status = ctx.take_job_outcome("mass")
    total = ctx.follower_count
    ok = status == "send success"
    urls = ([article_url(ctx.biz, row["msg_data_id"], i) for i in range(1, count + 1)]
            if ok else [])
    conn.execute("UPDATE mass_sends SET state = ?, status = ?, urls = ?, done_at = ?"
                 " WHERE msg_id = ?",
                 ("sent" if ok else "failed", status, dumps(urls), now, row["msg_id"]))
    return events.mass_send_job_finish(
        to_user=ctx.original_id, from_user=ctx.system_openid, create_time=int(now),
        msg_id=row["msg_id"], status=status, total=total, filtered=total,
        sent=total if ok else 0, errors=0 if ok else total, article_urls=urls)

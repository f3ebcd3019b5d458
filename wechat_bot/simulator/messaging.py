"""客服消息 and the custom menu (O-kf; Custom_Menus).

``message/custom/send`` (text) is allowed only inside a window opened by the
user (see ``quotas.use_window``); each delivered message is kept in ``outbox``
so the sandbox can show what a citizen would have received.
``menu/create`` checks WeChat's shape rules; ``menu/get`` returns what was set.
"""
from __future__ import annotations

import json
import sqlite3
from typing import Any

from .api import ApiRequest, json_object, route
from .codes import ApiError, ok
from .quotas import use_window
from .store import dumps, next_id

TEXT_MAX_BYTES = 2048  # community-measured (wechat-platform.md §1.4)

LEAF_TYPES = {
    "click", "view", "scancode_push", "scancode_waitmsg", "pic_sysphoto",
    "pic_photo_or_album", "pic_weixin", "location_select", "media_id", "article_id",
    "article_view_limited", "miniprogram",
}
KEY_TYPES = {"click", "scancode_push", "scancode_waitmsg", "pic_sysphoto",
             "pic_photo_or_album", "pic_weixin", "location_select"}


@route("message/custom/send")
def custom_send(ctx: Any, conn: sqlite3.Connection, req: ApiRequest) -> dict[str, Any]:
    body = json_object(req)
    openid = str(body.get("touser") or "")
    if not openid:
        raise ApiError(40003)
    if body.get("msgtype") != "text":
        raise ApiError(40008)  # only text is simulated
    content = str((body.get("text") or {}).get("content") or "")
    if not content:
        raise ApiError(44004)
    if len(content.encode()) > TEXT_MAX_BYTES:
        raise ApiError(45002)
    use_window(conn, openid, req.now)
    conn.execute("INSERT INTO outbox (openid, msgtype, content, at) VALUES (?, ?, ?, ?)",
                 (openid, "text", content, req.now))
    return ok()


def _check_leaf(button: dict[str, Any], sub: bool) -> None:
    kind = button.get("type")
    if kind not in LEAF_TYPES:
        raise ApiError(40024 if sub else 40017)
    if kind in KEY_TYPES:
        key = str(button.get("key") or "")
        if not key or len(key.encode()) > 128:
            raise ApiError(40026 if sub else 40019)
    if kind in ("view", "miniprogram"):
        url = str(button.get("url") or "")
        if not url or len(url.encode()) > 1024:
            raise ApiError(40027 if sub else 40020)


def _check_menu(menu: dict[str, Any]) -> None:
    buttons = menu.get("button")
    if not isinstance(buttons, list) or not 1 <= len(buttons) <= 3:
        raise ApiError(40016)
    for button in buttons:
        if not isinstance(button, dict):
            raise ApiError(47001)
        name = str(button.get("name") or "")
        if not name or len(name.encode()) > 16:
            raise ApiError(40018)
        subs = button.get("sub_button")
        if subs:
            if not isinstance(subs, list) or len(subs) > 5:
                raise ApiError(40023)
            for sub in subs:
                sub_name = str(sub.get("name") or "") if isinstance(sub, dict) else ""
                if not sub_name or len(sub_name.encode()) > 60:
                    raise ApiError(40025)
                _check_leaf(sub, sub=True)
        else:
            _check_leaf(button, sub=False)


@route("menu/create")
def menu_create(ctx: Any, conn: sqlite3.Connection, req: ApiRequest) -> dict[str, Any]:
    menu = json_object(req)
    _check_menu(menu)
    menuid = next_id(conn, "menuid", 400_000_001)
    conn.execute("INSERT OR REPLACE INTO menu (id, body, menuid) VALUES (1, ?, ?)",
                 (dumps({"button": menu["button"]}), menuid))
    return ok()


@route("menu/get", method="GET", body="none")
def menu_get(ctx: Any, conn: sqlite3.Connection, req: ApiRequest) -> dict[str, Any]:
    row = conn.execute("SELECT body, menuid FROM menu WHERE id = 1").fetchone()
    if row is None:
        raise ApiError(46003)
    buttons = json.loads(row["body"])["button"]
    for button in buttons:
        button.setdefault("sub_button", [])
    return {"menu": {"button": buttons, "menuid": row["menuid"]}}


@route("menu/delete", method="GET", body="none")
def menu_delete(ctx: Any, conn: sqlite3.Connection, req: ApiRequest) -> dict[str, Any]:
    conn.execute("DELETE FROM menu")
    return ok()

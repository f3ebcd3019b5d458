"""/sandbox: a phone-sized chat page that plays a citizen (sandbox mode only).

Each message the visitor types goes through the real /wechat path, signed and
encrypted as WeChat would send it; the reply is decrypted and shown.
"""
from __future__ import annotations

import secrets
import time
from itertools import count
from typing import Any
from urllib.parse import parse_qs, urlsplit

from flask import Blueprint, Response, current_app, jsonify, render_template, request

from .inbound import parse_xml

bp = Blueprint("sandbox", __name__, url_prefix="/sandbox")

COOKIE = "sandbox_openid"
MAX_TEXT = 600
_msg_ids = count(int(time.time() * 1000))


@bp.get("")
@bp.get("/")
def page() -> Response:
    services = current_app.extensions["wechat_bot"]
    openid = request.cookies.get(COOKIE) or f"o_sandbox_{secrets.token_hex(6)}"
    html = render_template(
        "sandbox/chat.html",
        account_name=services.settings.bureau.account_name,
        menu=sandbox_menu(services),
        cards=pushed_cards(services),
    )
    response = Response(html)
    response.set_cookie(COOKIE, openid, max_age=30 * 86400, httponly=True, samesite="Lax")
    return response


@bp.post("/api/send")
def send() -> Any:
    services = current_app.extensions["wechat_bot"]
    openid = request.cookies.get(COOKIE)
    if not openid or not openid.startswith("o_sandbox_"):
        return jsonify(error="请刷新页面后再试"), 400
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        return jsonify(error="请求格式不正确"), 400
    kind = data.get("type")
    if kind == "text":
        content = str(data.get("content", "")).strip()[:MAX_TEXT]
        if not content:
            return jsonify(error="请输入内容"), 400
        xml = _message(services, openid, "text", Content=content, MsgId=str(next(_msg_ids)))
        services.simulator_note_user_message(openid)
    elif kind == "click":
        xml = _message(services, openid, "event", Event="CLICK", EventKey=str(data.get("key", "")))
    elif kind == "subscribe":
        xml = _message(services, openid, "event", Event="subscribe", EventKey="")
    else:
        return jsonify(error="未知的消息类型"), 400
    return jsonify(replies=_deliver(services, xml))


@bp.get("/api/inbox")
def inbox() -> Any:
    """客服消息 the simulated WeChat delivered to this visitor (staff replies), from ``after`` on."""
    services = current_app.extensions["wechat_bot"]
    openid = request.cookies.get(COOKIE)
    if not openid or not openid.startswith("o_sandbox_"):
        return jsonify(error="请刷新页面后再试"), 400
    sent = services.simulator.sent_messages(openid)
    after = request.args.get("after", "")
    start = int(after) if after.isdigit() else len(sent)
    return jsonify(total=len(sent), messages=[{"type": "text", "content": m["content"]} for m in sent[start:]])


def _message(services: Any, openid: str, msg_type: str, **fields: str) -> str:
    account = services.settings.bureau.account_name
    parts = {
        "ToUserName": f"gh_{account}",
        "FromUserName": openid,
        "CreateTime": str(int(time.time())),
        "MsgType": msg_type,
        **fields,
    }
    return "<xml>" + "".join(f"<{k}>{_cdata(v)}</{k}>" for k, v in parts.items()) + "</xml>"


def _cdata(value: str) -> str:
    """The text exactly as typed, as WeChat sends it: CDATA, with any "]]>" split."""
    return "<![CDATA[" + value.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def _deliver(services: Any, xml: str) -> list[dict[str, str]]:
    """POST to /wechat exactly as WeChat would, then open the reply."""
    query, body = services.webhook_pusher.build_inbound(xml)
    # base_url: links in replies (/g/<id>) must point where the visitor's browser is.
    response = current_app.test_client().post(
        f"/wechat?{query}", data=body, content_type="text/xml", base_url=request.host_url
    )
    if response.status_code != 200:
        return [{"type": "system", "content": f"服务器返回 {response.status_code}"}]
    if response.data in (b"success", b""):
        return []
    outer = parse_xml(response.get_data())
    inner, _key = services.envelope.open(outer, outer.get("MsgSignature"), outer.get("TimeStamp", ""), outer.get("Nonce", ""))
    fields = parse_xml(inner)
    if fields.get("MsgType") == "text":
        return [{"type": "text", "content": str(fields.get("Content", ""))}]
    return [{"type": "system", "content": f"（{fields.get('MsgType')} 类型的回复）"}]


def sandbox_menu(services: Any) -> list[dict[str, Any]]:
    """The custom menu as the page draws it (top buttons with their sub-buttons)."""
    menu = services.menu or {}
    return list(menu.get("button", []))


# -- what a follower receives: pushed article cards, and the article page ------------------

@bp.get("/api/pushes")
def pushes() -> Any:
    """The mass sends followers have received, newest last, as cards."""
    return jsonify(cards=pushed_cards(current_app.extensions["wechat_bot"]))


def pushed_cards(services: Any) -> list[dict[str, Any]]:
    tz = services.settings.tz
    cards = []
    for entry in services.simulator.published_articles():
        if entry["kind"] != "mass" or entry["state"] != "succeeded":
            continue
        cards.append({
            "id": str(entry["id"]),
            "at": entry["submitted_at"].astimezone(tz).strftime("%m月%d日 %H:%M"),
            "articles": [{"title": a["title"], "digest": a.get("digest") or "",
                          "href": _local_article(a.get("url") or "")} for a in entry["articles"]],
        })
    return cards


def _local_article(url: str) -> str:
    parts = urlsplit(url)
    return f"/sandbox/s?{parts.query}" if parts.query else ""


@bp.get("/s")
def article() -> Any:
    """The simulator's article page (what mp.weixin.qq.com/s shows for a published article)."""
    services = current_app.extensions["wechat_bot"]
    mid, idx = request.args.get("mid", ""), request.args.get("idx", "")
    for entry in services.simulator.published_articles():
        for art in entry["articles"]:
            query = parse_qs(urlsplit(art.get("url") or "").query)
            if query.get("mid") == [mid] and query.get("idx") == [idx]:
                when = entry["submitted_at"].astimezone(services.settings.tz).strftime("%Y-%m-%d %H:%M")
                return render_template("sandbox/article.html", article=art, when=when,
                                       account_name=services.settings.bureau.account_name)
    return render_template("sandbox/article.html", article=None, when="",
                           account_name=services.settings.bureau.account_name), 404

"""/wechat: verify → decrypt → dedupe → route → handle → encrypt.

HTTP only; the rules live in handlers and services. Every bad input gets its
status code and a one-word body, never a traceback: 403 for a forged or
missing signature or a body that does not decrypt with our key, 400 for
malformed or hostile XML, 413 for a body over 64 KiB.
"""
from __future__ import annotations

import logging
from typing import Any

from flask import Blueprint, Response, current_app, request
from wechatpy.events import EVENT_TYPES
from wechatpy.messages import MESSAGE_TYPES, UnknownMessage
from wechatpy.replies import BaseReply, create_reply

from .dedup import delivery_key
from .inbound import MAX_BODY_BYTES, InboundError, check_signature, parse_xml
from .router import Context, hash_openid

log = logging.getLogger(__name__)
bp = Blueprint("wechat", __name__)

SUCCESS = "success"


@bp.route("/wechat", methods=["GET", "POST"])
def endpoint() -> Response:
    services = current_app.extensions["wechat_bot"]
    try:
        check_signature(
            services.settings.wechat.token,
            request.args.get("signature"),
            request.args.get("timestamp"),
            request.args.get("nonce"),
        )
        if request.method == "GET":
            return _respond(request.args.get("echostr", ""))
        reply = _answer_post(services)
        return _respond(reply, xml=reply != SUCCESS)
    except InboundError as exc:
        log.info("refused inbound request: %s (%s)", exc.status, exc.reason)
        return _respond(_STATUS_TEXT[exc.status], exc.status)


_STATUS_TEXT = {400: "bad request", 403: "forbidden", 413: "too large"}


def _answer_post(services: Any) -> str:
    body = _read_body()
    outer = parse_xml(body)
    encrypted = request.args.get("encrypt_type", "raw").lower() == "aes"
    key = None
    if encrypted:
        inner, key = services.envelope.open(
            outer,
            request.args.get("msg_signature"),
            request.args.get("timestamp", ""),
            request.args.get("nonce", ""),
        )
        raw = parse_xml(inner)
    else:
        raw = outer
    if not raw.get("MsgType") or not raw.get("FromUserName"):
        raise InboundError(400, "not a WeChat message")
    reply = services.dedup.once(delivery_key(raw), lambda: _handle(services, raw))
    if not reply:
        return SUCCESS
    if key is not None:
        return services.envelope.seal(reply, key, request.args.get("nonce"))
    return reply


def _read_body() -> bytes:
    length = request.content_length
    if length is not None and length > MAX_BODY_BYTES:
        raise InboundError(413, "body too large")
    # Chunked bodies have no Content-Length: read one byte past the limit.
    body = request.stream.read(MAX_BODY_BYTES + 1)
    if len(body) > MAX_BODY_BYTES:
        raise InboundError(413, "body too large")
    if not body.strip():
        raise InboundError(400, "empty body")
    return body


def _handle(services: Any, raw: dict[str, Any]) -> str:
    """Run the handler; return the rendered reply XML ("" for none)."""
    message = to_message(raw)
    handler = services.router.resolve(raw)
    if handler is None:
        return ""
    ctx = Context(openid=str(raw["FromUserName"]), raw=raw, services=services, now=services.clock())
    try:
        result = handler(message, ctx)
    except Exception:
        # Never log the citizen's text: only type, id and a hashed openid.
        log.exception(
            "handler failed: type=%s event=%s msgid=%s user=%s",
            raw.get("MsgType"), raw.get("Event"), raw.get("MsgId"), hash_openid(ctx.openid),
        )
        result = services.messages.error
    if not result:
        return ""
    reply = result if isinstance(result, BaseReply) else create_reply(result, message)
    return reply.render()


def to_message(raw: dict[str, Any]) -> Any:
    """A wechatpy message or event object from the parsed dict (as parse_message does)."""
    msg_type = str(raw.get("MsgType", "")).lower()
    if msg_type != "event":
        return MESSAGE_TYPES.get(msg_type, UnknownMessage)(raw)
    event = str(raw.get("Event", "")).lower()
    key = str(raw.get("EventKey") or "")
    if event == "subscribe" and key.startswith("qrscene_"):
        raw = {**raw, "Event": "subscribe_scan", "EventKey": key[len("qrscene_"):]}
        event = "subscribe_scan"
    return EVENT_TYPES.get(event, UnknownMessage)(raw)


def _respond(body: str, status: int = 200, *, xml: bool = False) -> Response:
    return Response(body, status=status, mimetype="application/xml" if xml else "text/plain")

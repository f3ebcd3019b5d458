"""/wechat: verify → decrypt → dedupe → route → handle → encrypt.

HTTP only; the rules live in handlers and services. Every bad input gets its
status code and a one-word body, never a traceback: 403 for a forged or
missing signature or a body that does not decrypt with our key, 400 for
malformed or hostile XML, 413 for a body over 64 KiB.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

import redis as redis_lib
from flask import Blueprint, Response, current_app, request
from wechatpy.events import EVENT_TYPES
from wechatpy.messages import MESSAGE_TYPES, UnknownMessage
from wechatpy.replies import BaseReply, create_reply
from wechatpy.utils import to_text
from werkzeug import urls as _registers_url_quote_errors  # noqa: F401  (the "werkzeug.url_quote" codec handler)
from werkzeug.http import HTTP_STATUS_CODES

from .db import describe, is_unavailable
from .dedup import delivery_key
from .extensions import webhook_environ
from .inbound import MAX_BODY_BYTES, InboundError, check_signature, is_unix_time, parse_xml, text_reply
from .router import Context
from .services.identity import hash_openid

log = logging.getLogger(__name__)
bp = Blueprint("wechat", __name__)

SUCCESS = "success"


@bp.route("/wechat", methods=["GET", "POST"])
def endpoint() -> Response:
    """Through Flask: the GET that verifies the URL when an account is set up (WeChat's
    POSTs take ``DirectWebhook``, below, unless something calls the view itself)."""
    status, body, xml = answer(current_app.extensions["wechat_bot"], request.method, request.args, request.environ)
    return Response(body, status=status, mimetype=_XML if xml else _TEXT)


def answer(services: Any, method: str, args: Any, environ: dict[str, Any]) -> tuple[int, str, bool]:
    """(status, body, whether the body is XML) for one request to /wechat."""
    try:
        check_signature(services.settings.wechat.token, args.get("signature"), args.get("timestamp"), args.get("nonce"))
        if method == "GET":
            return 200, args.get("echostr", ""), False
        reply = _answer_post(services, args, environ)
        return 200, reply, reply != SUCCESS
    except InboundError as exc:
        log.info("refused inbound request: %s (%s)", exc.status, exc.reason)
        return exc.status, _STATUS_TEXT[exc.status], False


_STATUS_TEXT = {400: "bad request", 403: "forbidden", 413: "too large"}
_TEXT, _XML = "text/plain", "application/xml"


class DirectWebhook:
    """WSGI middleware around the app's ``wsgi_app``: WeChat's POSTs to /wechat are
    answered here, without Flask's request and app contexts, URL matching and response
    objects. Those cost ~0.3 ms a message, a fifth of all the webhook's work
    (bench/README.md); every other request, and every other method on /wechat, goes to
    Flask as before. Handlers therefore take what they need from ``ctx.services`` (the
    database's ``sessionmaker``, the store), never from ``flask.g`` or ``current_app``.

    Responses are the view's byte for byte: same status lines, Content-Type and body.
    """

    def __init__(self, app: Any, wsgi_app: Any) -> None:
        self.app = app
        self.wsgi_app = wsgi_app

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        if environ.get("PATH_INFO") != "/wechat" or environ.get("REQUEST_METHOD") != "POST":
            return self.wsgi_app(environ, start_response)
        app = self.app
        token = webhook_environ.set(environ)
        try:
            status, body, xml = answer(app.extensions["wechat_bot"], "POST", _query_args(environ), environ)
        except Exception:
            if app.testing or app.config.get("PROPAGATE_EXCEPTIONS"):
                raise
            # As Flask does for a view's uncaught exception: logged with its traceback, 500.
            app.logger.error("Exception on /wechat [POST]", exc_info=True)
            status, body, xml = 500, "internal server error", False
        finally:
            webhook_environ.reset(token)
        data = body.encode()
        start_response(_STATUS_LINES[status], [
            ("Content-Type", f"{_XML if xml else _TEXT}; charset=utf-8"), ("Content-Length", str(len(data))),
        ])
        return [data]


_STATUS_LINES = {code: f"{code} {HTTP_STATUS_CODES[code].upper()}" for code in (200, 400, 403, 413, 500)}


def _query_args(environ: dict[str, Any]) -> dict[str, str]:
    """The query's parameters as ``request.args.get`` reads them: decoded as werkzeug
    decodes them (bytes that are not UTF-8 stay percent-encoded), the first of a repeated
    name."""
    query = environ.get("QUERY_STRING", "")
    try:
        text = query.encode("latin1").decode()
    except UnicodeError:  # not what a WSGI server passes; werkzeug would fail on it too
        text = ""
    args: dict[str, str] = {}
    if "%" in text or "+" in text:
        pairs = parse_qsl(text, keep_blank_values=True, errors="werkzeug.url_quote")
    else:  # nothing to decode (WeChat's parameters are digits, hex and ASCII letters)
        pairs = [field.partition("=")[::2] for field in text.split("&") if field]
    for name, value in pairs:
        args.setdefault(name, value)
    return args


def _answer_post(services: Any, args: Any, environ: dict[str, Any]) -> str:
    body = _read_body(environ)
    outer = parse_xml(body)
    encrypted = args.get("encrypt_type", "raw").lower() == "aes"
    key = None
    if not encrypted and services.envelope.keys:
        # With an EncodingAESKey configured the account is in compatible or safe
        # mode, where WeChat always encrypts. A plaintext POST would be signed only
        # by the URL parameters, which do not cover the body: refuse it.
        raise InboundError(403, "plaintext message refused: safe mode is configured")
    if encrypted:
        inner, key = services.envelope.open(outer, args.get("msg_signature"), args.get("timestamp", ""), args.get("nonce", ""))
        raw = parse_xml(inner)
    else:
        raw = outer
    if not isinstance(raw.get("MsgType"), str) or not isinstance(raw.get("FromUserName"), str) or not raw["FromUserName"]:
        raise InboundError(400, "not a WeChat message")
    if raw["MsgType"].lower() != "event" and not all(isinstance(v, str) for v in raw.values()):
        # Citizens' messages are flat: a repeated or nested field is not WeChat's.
        raise InboundError(400, "unexpected nested or repeated field")
    if not is_unix_time(raw.get("CreateTime")):
        raise InboundError(400, "CreateTime is not a time")
    nonce = args.get("nonce")

    def seal(reply: str) -> str:
        return services.envelope.seal(reply, key, nonce) if key is not None and reply else reply

    draft = _draft(services, raw)
    rendered = _render(draft.message, draft.reply)
    if draft.ctx is None or not draft.ctx.effects:
        # Nothing to do but answer: every copy of this message works out the same
        # reply (same text, same CreateTime), so WeChat's retries need no
        # coordination and the busiest path makes no Redis round trip.
        return seal(rendered) or SUCCESS
    # Side effects (a consultation, an offered list, erasing data): exactly one
    # delivery runs them; the other copies answer with the reply it stored.
    claim = _claim(services, raw)
    sealed = seal(rendered)  # encrypted while Redis answers the claim
    if claim is None or _won(services, claim):
        # claim None: Redis is down, so every delivery that reaches us runs the
        # side effects (a retry may then record a consultation twice; none is lost).
        final = _commit(services, draft, rendered)
        if claim is not None:
            claim.store(final)
        if final != rendered:
            sealed = seal(final)
    else:
        final = claim.wait()
        if final is None:  # the first delivery's worker died mid-request: this copy handles it
            final = _commit(services, draft, rendered)
            claim.store(final)
        sealed = seal(final)
    return sealed or SUCCESS


def _claim(services: Any, raw: dict[str, Any]) -> Any:
    """This delivery's claim, or None while Redis is down (wechat_bot/redis_health.py)."""
    health = services.store.health
    if not health.available():
        return None
    try:
        return services.dedup.claim(delivery_key(raw))
    except redis_lib.RedisError as exc:
        services.dedup.pipe.reset()
        health.failed(exc)
        return None


def _won(services: Any, claim: Any) -> bool:
    health = services.store.health
    try:
        won = claim.won()
    except redis_lib.RedisError as exc:
        services.dedup.pipe.reset()
        health.failed(exc)
        return True
    health.succeeded()
    return won


def _read_body(environ: dict[str, Any]) -> bytes:
    """The body, at most MAX_BODY_BYTES, straight from the WSGI input (werkzeug's stream
    wrapper cost every message more than reading it does), by werkzeug's rules: read
    Content-Length bytes; without one, only a server that marks the input terminated
    (gunicorn, for a chunked body) can be read to its end, one byte past the limit."""
    raw_length = environ.get("CONTENT_LENGTH")
    if raw_length:
        if not raw_length.isascii() or not raw_length.isdigit():
            raise InboundError(400, "bad Content-Length")
        if len(raw_length) > 9 or int(raw_length) > MAX_BODY_BYTES:  # int() refuses 4,300+ digits
            raise InboundError(413, "body too large")
        length = int(raw_length)
    elif environ.get("wsgi.input_terminated"):
        length = MAX_BODY_BYTES + 1
    else:
        length = 0
    stream = environ["wsgi.input"]
    body = stream.read(length) if length else b""
    while 0 < len(body) < length:  # a short read is not the end of the body
        more = stream.read(length - len(body))
        if not more:
            break
        body += more
    if len(body) > MAX_BODY_BYTES:
        raise InboundError(413, "body too large")
    if not body.strip():
        raise InboundError(400, "empty body")
    return body


@dataclass
class Draft:
    """A reply worked out but not yet committed: side effects wait in ``ctx.effects``."""

    message: Any
    ctx: Context | None
    reply: Any


def _draft(services: Any, raw: dict[str, Any]) -> Draft:
    """Run the handler. Handlers do no side effects here: they ``ctx.defer`` them."""
    message = to_message(raw)
    handler = services.router.resolve(raw)
    if handler is None:
        return Draft(message, None, None)
    ctx = Context(openid=str(raw["FromUserName"]), raw=raw, services=services, now=services.clock())
    try:
        return Draft(message, ctx, handler(message, ctx))
    except Exception as exc:
        ctx.effects.clear()
        return Draft(message, ctx, _failure_reply(services, raw, ctx, exc))


def _commit(services: Any, draft: Draft, rendered: str) -> str:
    """For the one delivery that won the claim: run the side effects; the reply to keep."""
    if draft.ctx is None or not draft.ctx.effects:
        return rendered
    try:
        for effect in draft.ctx.effects:
            effect()
    except Exception as exc:
        failure = _failure_reply(services, draft.ctx.raw, draft.ctx, exc)
        if draft.ctx.urgent:
            return rendered  # an emergency keeps its 110-first reply; only the record is lost
        return _render(draft.message, failure) if rendered else ""  # no reply was due (unsubscribe)
    return rendered


def _failure_reply(services: Any, raw: dict[str, Any], ctx: Context, exc: Exception) -> str:
    """A handler or side effect failed: its transaction rolls back (the session is
    closed with the request), and the citizen reads a short fixed text."""
    if is_unavailable(exc):
        # The database is down or refusing us: an outage, not a bug, so no traceback
        # and no statement (its parameters carry the citizen's words).
        log.warning(
            "database unavailable, answered with the fixed reply: type=%s event=%s user=%s (%s)",
            raw.get("MsgType"), raw.get("Event"), ctx.openid_hash, describe(exc),
        )
        return services.messages.unavailable
    _log_failure(raw, ctx)
    return services.messages.error


def _render(message: Any, reply: Any) -> str:
    """The reply's XML ("" for none).

    Its CreateTime is the message's, not the clock's, so that every copy of a
    retried message renders byte for byte the same reply.
    """
    if not reply:
        return ""
    created = getattr(message, "time", None)
    if isinstance(reply, str) and isinstance(created, int):  # nearly every reply: built directly
        # to_text, as wechatpy's fields do: a message without ToUserName is answered from "".
        return text_reply(to_text(message.source), to_text(message.target), created, reply)
    rendered = reply if isinstance(reply, BaseReply) else create_reply(reply, message)
    if isinstance(created, int):
        rendered.time = created
    return rendered.render()


def _log_failure(raw: dict[str, Any], ctx: Context) -> None:
    # Never log the citizen's text: only type, id and a hashed openid.
    log.exception(
        "handler failed: type=%s event=%s msgid=%s user=%s",
        raw.get("MsgType"), raw.get("Event"), raw.get("MsgId"), hash_openid(ctx.openid),
    )


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

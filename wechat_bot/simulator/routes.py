"""HTTP surface: ``/cgi-bin/...`` as WeChat serves it, ``/_sim/...`` to drive the simulator.

The ``/_sim`` routes mirror the ``Simulator`` controls so another process (the
CLI, a browser test) can use them over HTTP.
"""
from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from flask import Blueprint, Flask, Response, current_app, request

from .api import Upload
from .core import Simulator

cgi = Blueprint("wechat_simulator_cgi", __name__)
control = Blueprint("wechat_simulator_control", __name__, url_prefix="/_sim")


def _sim() -> Simulator:
    return current_app.extensions["wechat_simulator"]  # type: ignore[no-any-return]


def _json(body: Any, status: int = 200) -> Response:
    def default(value: Any) -> Any:
        if isinstance(value, datetime):
            return value.isoformat()
        raise TypeError(type(value).__name__)

    return Response(json.dumps(body, ensure_ascii=False, default=default), status=status,
                    content_type="application/json; encoding=utf-8")


@cgi.route("/cgi-bin/<path:api>", methods=["GET", "POST"])
def api(api: str) -> Response:
    files: dict[str, Upload] = {}
    raw = b""
    if request.mimetype == "multipart/form-data":
        files = {name: Upload(f.filename or "", f.read(), f.mimetype or "")
                 for name, f in request.files.items()}
    else:
        raw = request.get_data(cache=False)
    status, body = _sim().handle(f"cgi-bin/{api}", request.method,
                                 request.args.to_dict(), raw, files)
    return _json(body, status)


def _body() -> dict[str, Any]:
    data = request.get_json(silent=True, force=True)
    return data if isinstance(data, dict) else {}


@control.post("/faults")
def add_fault() -> Response:
    spec = _body()
    if "path" not in spec:
        return _json({"error": "path is required"}, 400)
    fault_id = _sim().inject(
        str(spec["path"]), spec.get("errcode", -1), times=spec.get("times"),
        rate=spec.get("rate"), seed=spec.get("seed"), delay=float(spec.get("delay", 0.0)),
        after=bool(spec.get("after", False)))
    return _json({"ok": True, "id": fault_id})


@control.delete("/faults")
def clear_faults() -> Response:
    _sim().clear_faults()
    return _json({"ok": True})


@control.get("/calls")
def calls() -> Response:
    found = _sim().calls(request.args.get("path"))
    return _json({"calls": [c.__dict__ for c in found]})


def _at() -> datetime | None:
    at = _body().get("at")
    return datetime.fromisoformat(at) if at else None


@control.post("/users/<openid>/message")
def user_message(openid: str) -> Response:
    _sim().record_user_message(openid, _at())
    return _json({"ok": True})


@control.post("/users/<openid>/menu_click")
def user_menu_click(openid: str) -> Response:
    _sim().record_menu_click(openid, _at())
    return _json({"ok": True})


@control.post("/users/<openid>/subscribe")
def user_subscribe(openid: str) -> Response:
    _sim().record_subscribe(openid, _at())
    return _json({"ok": True})


@control.get("/users/<openid>/messages")
def user_messages(openid: str) -> Response:
    return _json({"messages": _sim().sent_messages(openid)})


@control.post("/jobs/complete")
def complete_jobs() -> Response:
    return _json({"completed": _sim().complete_jobs()})


@control.get("/pushes")
def pushes() -> Response:
    return _json({"pending": _sim().pending_pushes()})


@control.get("/articles")
def articles() -> Response:
    return _json({"articles": _sim().published_articles()})


@control.post("/reset")
def reset() -> Response:
    _sim().reset()
    return _json({"ok": True})


def register(app: Flask) -> None:
    app.register_blueprint(cgi)
    app.register_blueprint(control)

    @app.errorhandler(404)
    def not_found(_exc: Exception) -> Response:
        return _json({"errcode": 404, "errmsg": f"404 Not Found: {request.path}"}, 404)

    @app.errorhandler(405)
    def bad_method(_exc: Exception) -> Response:
        return _json({"error": f"method {request.method} not allowed"}, 405)

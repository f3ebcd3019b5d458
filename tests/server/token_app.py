"""The real app as gunicorn serves it, plus one test-only route that makes a
customer-service send through the shared WeChatGateway (the console's reply
to a consultation does exactly this call; it is not on this branch's web half
yet). Served only by tests/server/test_token_many_processes.py.

    WECHAT_BOT_CONFIG=... gunicorn -c gunicorn.conf.py tests.server.token_app:app
"""
from __future__ import annotations

from flask import jsonify, request

from wechat_bot import create_app
from wechat_bot.errors import UpstreamError

app = create_app()


@app.post("/_test/send")
def send():  # type: ignore[no-untyped-def]
    gateway = app.extensions["wechat_bot"].gateway
    try:
        gateway.send_text(request.args["openid"], "您的咨询已有答复，请查看。")
    except UpstreamError as exc:
        return jsonify(ok=False, errcode=exc.errcode), 502
    return jsonify(ok=True)

"""The baseline: a bare Flask + wechatpy echo webhook (no dedup, no Redis, no routing).

    gunicorn -w 2 bench.echo_app:app

Uses the sandbox credentials, like the bot does with no config.
"""
from __future__ import annotations

from flask import Flask, request
from wechatpy import create_reply, parse_message
from wechatpy.crypto import WeChatCrypto
from wechatpy.exceptions import InvalidSignatureException
from wechatpy.utils import check_signature

from wechat_bot.config import SANDBOX_AES_KEY, SANDBOX_APP_ID, SANDBOX_TOKEN

app = Flask(__name__)
crypto = WeChatCrypto(SANDBOX_TOKEN, SANDBOX_AES_KEY, SANDBOX_APP_ID)


@app.route("/wechat", methods=["GET", "POST"])
def wechat():  # type: ignore[no-untyped-def]
    args = request.args
    try:
        check_signature(SANDBOX_TOKEN, args.get("signature", ""), args.get("timestamp", ""), args.get("nonce", ""))
    except InvalidSignatureException:
        return "forbidden", 403
    if request.method == "GET":
        return args.get("echostr", "")
    xml = crypto.decrypt_message(request.data, args["msg_signature"], args["timestamp"], args["nonce"])
    msg = parse_message(xml)
    reply = create_reply(getattr(msg, "content", None) or "欢迎关注", msg)
    return crypto.encrypt_message(reply.render(), args["nonce"], args["timestamp"])

"""WebhookPusher builds WeChat's safe-mode POST; checked here with our own AES code.

The decryption below uses only ``cryptography`` primitives and the layout from
wechat-platform.md §1.2 (random 16 B ‖ length 4 B ‖ message ‖ AppId, AES-256-CBC,
IV = first 16 key bytes, PKCS#7 to 32-byte blocks), not wechatpy, so a bug shared
with wechatpy's crypto cannot hide.
"""
from __future__ import annotations

import base64
import hashlib
import struct
from collections.abc import Callable
from urllib.parse import parse_qs
from xml.etree import ElementTree

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from flask import Flask

from wechat_bot.simulator import WebhookPusher

from .conftest import APP_ID, Api

TOKEN = "lueyangPoliceToken"
AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"  # 43 chars
CITIZEN_XML = """<xml>
<ToUserName><![CDATA[gh_0123456789ab]]></ToUserName>
<FromUserName><![CDATA[o_citizen_1]]></FromUserName>
<CreateTime>1709258400</CreateTime>
<MsgType><![CDATA[text]]></MsgType>
<Content><![CDATA[身份证丢了怎么办]]></Content>
<MsgId>24458719360134567</MsgId>
</xml>"""


def sha1(*parts: str) -> str:
    return hashlib.sha1("".join(sorted(parts)).encode()).hexdigest()


def decrypt(encrypt_b64: str) -> tuple[str, str]:
    key = base64.b64decode(AES_KEY + "=")
    assert len(key) == 32
    decryptor = Cipher(algorithms.AES(key), modes.CBC(key[:16])).decryptor()
    padded = decryptor.update(base64.b64decode(encrypt_b64)) + decryptor.finalize()
    pad = padded[-1]
    assert 1 <= pad <= 32 and padded.endswith(bytes([pad]) * pad)
    plain = padded[:-pad]
    (length,) = struct.unpack(">I", plain[16:20])
    return plain[20:20 + length].decode(), plain[20 + length:].decode()


def test_safe_mode_envelope_decrypts_and_verifies() -> None:
    posted: list[tuple[str, bytes]] = []
    pusher = WebhookPusher(TOKEN, AES_KEY, APP_ID,
                           lambda q, b: posted.append((q, b)) or 200,
                           clock=lambda: 1709258401.0)
    assert pusher(CITIZEN_XML) == 200
    [(query, body)] = posted
    params = {k: v[0] for k, v in parse_qs(query).items()}
    assert list(params)[:3] == ["signature", "timestamp", "nonce"]
    assert params["timestamp"] == "1709258401"
    assert params["openid"] == "o_citizen_1"
    assert params["encrypt_type"] == "aes"
    assert params["signature"] == sha1(TOKEN, params["timestamp"], params["nonce"])

    envelope = ElementTree.fromstring(body)
    assert [child.tag for child in envelope] == ["ToUserName", "Encrypt"]
    assert envelope.findtext("ToUserName") == "gh_0123456789ab"
    encrypt = envelope.findtext("Encrypt") or ""
    assert params["msg_signature"] == sha1(TOKEN, params["timestamp"], params["nonce"],
                                           encrypt)
    message, app_id = decrypt(encrypt)
    assert message == CITIZEN_XML
    assert app_id == APP_ID


def test_build_inbound_without_aes_key_is_plaintext_mode() -> None:
    pusher = WebhookPusher(TOKEN, None, APP_ID, lambda q, b: 200)
    query, body = pusher.build_inbound(CITIZEN_XML)
    params = {k: v[0] for k, v in parse_qs(query).items()}
    assert "encrypt_type" not in params and "msg_signature" not in params
    assert params["signature"] == sha1(TOKEN, params["timestamp"], params["nonce"])
    assert body.decode() == CITIZEN_XML


def test_simulator_events_arrive_encrypted(make_sim: Callable[..., Flask]) -> None:
    posted: list[tuple[str, bytes]] = []
    pusher = WebhookPusher(TOKEN, AES_KEY, APP_ID,
                           lambda q, b: posted.append((q, b)) or 200)
    app = make_sim(push=pusher)
    api = Api(app.test_client())
    api.post("freepublish/submit", {"media_id": api.draft()})
    app.extensions["wechat_simulator"].complete_jobs()
    [(query, body)] = posted
    message, _ = decrypt(ElementTree.fromstring(body).findtext("Encrypt") or "")
    assert "<Event><![CDATA[PUBLISHJOBFINISH]]></Event>" in message
    assert "openid=oV5CrjpxgaGXNHIQigzNlgLTnwic" in query
    assert app.extensions["wechat_simulator"].pending_pushes() == []


def test_a_non_200_answer_leaves_the_push_pending(make_sim: Callable[..., Flask]) -> None:
    pusher = WebhookPusher(TOKEN, AES_KEY, APP_ID, lambda q, b: 500)
    app = make_sim(push=pusher)
    api = Api(app.test_client())
    api.post("freepublish/submit", {"media_id": api.draft()})
    app.extensions["wechat_simulator"].complete_jobs()
    assert len(app.extensions["wechat_simulator"].pending_pushes()) == 1

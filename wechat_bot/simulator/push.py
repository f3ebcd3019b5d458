"""Deliver XML to the developer URL the way WeChat does (O-enc; wechat-platform.md §1.1–1.2).

``build_inbound(xml)`` returns the query string and body of WeChat's POST:
``signature``/``timestamp``/``nonce`` (SHA1 of the sorted token, timestamp and
nonce), ``openid``, and in safe mode ``encrypt_type=aes`` + ``msg_signature``
with a body that carries only ``ToUserName`` and ``Encrypt``. Without an
EncodingAESKey it sends plaintext, as in 明文 mode.
"""
from __future__ import annotations

import hashlib
import re
import secrets
import time
from collections.abc import Callable
from urllib.parse import urlencode

from defusedxml import ElementTree
from wechatpy.crypto import WeChatCrypto

from .events import cdata

_ENCRYPT = re.compile(r"<Encrypt><!\[CDATA\[(.*?)\]\]></Encrypt>", re.DOTALL)
_MSG_SIGNATURE = re.compile(r"<MsgSignature><!\[CDATA\[(.*?)\]\]></MsgSignature>")


class PushFailed(RuntimeError):
    """The developer URL did not answer 200; WeChat would retry."""


class WebhookPusher:
    def __init__(self, token: str, encoding_aes_key: str | None, app_id: str,
                 post: Callable[[str, bytes], int], *,
                 clock: Callable[[], float] = time.time) -> None:
        self.token = token
        self.app_id = app_id
        self.post = post
        self.clock = clock
        self.crypto = WeChatCrypto(token, encoding_aes_key, app_id) if encoding_aes_key else None

    def __call__(self, xml: str) -> int:
        query, body = self.build_inbound(xml)
        status = int(self.post(query, body))
        if status != 200:
            raise PushFailed(f"developer URL answered HTTP {status}")
        return status

    def build_inbound(self, xml_plain: str) -> tuple[str, bytes]:
        """The query string and body WeChat would POST for this plaintext message."""
        timestamp = str(int(self.clock()))
        nonce = str(secrets.randbelow(9 * 10**9) + 10**9)
        signature = hashlib.sha1("".join(sorted([self.token, timestamp, nonce])).encode())
        params = [("signature", signature.hexdigest()), ("timestamp", timestamp),
                  ("nonce", nonce)]
        to_user, from_user = _addressing(xml_plain)
        if from_user:
            params.append(("openid", from_user))
        if self.crypto is None:
            return urlencode(params), xml_plain.encode("utf-8")
        reply = self.crypto.encrypt_message(xml_plain, nonce, timestamp)
        encrypt = _ENCRYPT.search(reply)
        msg_signature = _MSG_SIGNATURE.search(reply)
        if not (encrypt and msg_signature):
            raise RuntimeError("unexpected output of WeChatCrypto.encrypt_message")
        params += [("encrypt_type", "aes"), ("msg_signature", msg_signature.group(1))]
        body = (f"<xml>\n<ToUserName>{cdata(to_user)}</ToUserName>\n"
                f"<Encrypt>{cdata(encrypt.group(1))}</Encrypt>\n</xml>")
        return urlencode(params), body.encode("utf-8")


def _addressing(xml_plain: str) -> tuple[str, str]:
    try:
        root = ElementTree.fromstring(xml_plain.encode("utf-8"))
    except ElementTree.ParseError:
        return "", ""
    return (root.findtext("ToUserName") or "", root.findtext("FromUserName") or "")

"""WeChat's servers, played by the tests.

Signs and encrypts inbound messages with its own small implementation of the
protocol (AES-256-CBC, PKCS#7 to 32-byte blocks, random16 | length | xml |
AppId, SHA1 signatures), not wechatpy's, so a bug shared with the server
cannot hide.
"""
from __future__ import annotations

import base64
import hashlib
import os
import struct
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from itertools import count
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

FIXTURES = Path(__file__).parent / "fixtures" / "inbound"
_msg_ids = count(int(time.time()) * 1000)


def sha1_signature(*parts: str) -> str:
    return hashlib.sha1("".join(sorted(parts)).encode()).hexdigest()


def aes_key(encoding_aes_key: str) -> bytes:
    return base64.b64decode(encoding_aes_key + "=")


def encrypt(key: bytes, app_id: str, plain: bytes) -> str:
    body = os.urandom(16) + struct.pack(">I", len(plain)) + plain + app_id.encode()
    pad = 32 - len(body) % 32
    body += bytes([pad]) * pad
    encryptor = Cipher(algorithms.AES(key), modes.CBC(key[:16])).encryptor()
    return base64.b64encode(encryptor.update(body) + encryptor.finalize()).decode()


def decrypt(key: bytes, app_id: str, encrypted: str) -> bytes:
    decryptor = Cipher(algorithms.AES(key), modes.CBC(key[:16])).decryptor()
    body = decryptor.update(base64.b64decode(encrypted)) + decryptor.finalize()
    body = body[: -body[-1]]
    (length,) = struct.unpack(">I", body[16:20])
    plain, tail = body[20 : 20 + length], body[20 + length :]
    assert tail.decode() == app_id, f"reply addressed to AppId {tail!r}"
    return plain


def xml_fields(xml: bytes | str) -> dict[str, str]:
    root = ET.fromstring(xml)
    return {child.tag: (child.text or "") for child in root}


@dataclass
class Delivery:
    """One HTTP delivery: what was sent and what came back."""

    query: str
    body: bytes
    status: int = 0
    response: bytes = b""
    reply: dict[str, str] = field(default_factory=dict)


class WeChatSide:
    """Builds, signs and encrypts messages as WeChat does, and opens replies."""

    def __init__(self, token: str, encoding_aes_key: str, app_id: str, *, account: str = "gh_lueyang_test") -> None:
        self.token = token
        self.key = aes_key(encoding_aes_key)
        self.app_id = app_id
        self.account = account

    # -- building messages ------------------------------------------------
    def text(self, content: str, *, openid: str = "o_citizen_1", msg_id: int | None = None, created: int | None = None) -> str:
        return self.message("text", openid=openid, msg_id=msg_id, created=created, Content=content)

    def message(self, msg_type: str, *, openid: str = "o_citizen_1", msg_id: int | None = None, created: int | None = None, **fields: Any) -> str:
        parts = {
            "ToUserName": self.account,
            "FromUserName": openid,
            "CreateTime": str(created or int(time.time())),
            "MsgType": msg_type,
            **{k: str(v) for k, v in fields.items()},
            "MsgId": str(msg_id or next(_msg_ids)),
        }
        return _to_xml(parts)

    def event(self, event: str, *, openid: str = "o_citizen_1", created: int | None = None, **fields: Any) -> str:
        parts = {
            "ToUserName": self.account,
            "FromUserName": openid,
            "CreateTime": str(created or int(time.time())),
            "MsgType": "event",
            "Event": event,
            **{k: str(v) for k, v in fields.items()},
        }
        return _to_xml(parts)

    def fixture(self, name: str, **replace: str) -> str:
        xml = (FIXTURES / name).read_text(encoding="utf-8")
        for key, value in replace.items():
            xml = xml.replace("{" + key + "}", value)
        return xml

    # -- signing and sealing ----------------------------------------------
    def signed_query(self, *, encrypted_body: str | None = None, timestamp: str | None = None, nonce: str | None = None, **extra: str) -> dict[str, str]:
        timestamp = timestamp or str(int(time.time()))
        nonce = nonce or os.urandom(6).hex()
        query = {"signature": sha1_signature(self.token, timestamp, nonce), "timestamp": timestamp, "nonce": nonce, "openid": "o_citizen_1"}
        if encrypted_body is not None:
            query.update(encrypt_type="aes", msg_signature=sha1_signature(self.token, timestamp, nonce, encrypted_body))
        query.update(extra)
        return query

    def seal(self, xml: str) -> tuple[str, bytes]:
        """Safe mode: (query string, body) exactly as WeChat would POST them."""
        encrypted = encrypt(self.key, self.app_id, xml.encode("utf-8"))
        body = f"<xml><ToUserName><![CDATA[{self.account}]]></ToUserName><Encrypt><![CDATA[{encrypted}]]></Encrypt></xml>"
        return urlencode(self.signed_query(encrypted_body=encrypted)), body.encode()

    def plain(self, xml: str) -> tuple[str, bytes]:
        return urlencode(self.signed_query()), xml.encode("utf-8")

    def open_reply(self, response: bytes, *, expect_to: str | None = None) -> dict[str, str]:
        """Verify the reply's signature, decrypt it, and return its fields."""
        outer = xml_fields(response)
        expected = sha1_signature(self.token, outer["TimeStamp"], outer["Nonce"], outer["Encrypt"])
        assert outer["MsgSignature"] == expected, "reply signature does not verify"
        inner = xml_fields(decrypt(self.key, self.app_id, outer["Encrypt"]))
        if expect_to is not None:
            assert inner["ToUserName"] == expect_to, "reply not addressed back to the sender"
            assert inner["FromUserName"] == self.account
        return inner


def _to_xml(fields: dict[str, str]) -> str:
    def cell(value: str) -> str:
        return value if value.isdigit() else f"<![CDATA[{value}]]>"

    return "<xml>" + "".join(f"<{k}>{cell(v)}</{k}>" for k, v in fields.items()) + "</xml>"

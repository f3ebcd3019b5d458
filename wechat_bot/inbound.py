"""WeChat's server protocol, our side: signatures, AES envelopes, safe parsing.

No Flask here: the webhook view turns ``InboundError`` into a status code.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
import threading
import time
from typing import Any

from xml.etree.ElementTree import Element, ParseError, fromstring

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

MAX_BODY_BYTES = 64 * 1024
# Entity expansion and external entities both need a DTD; WeChat never sends
# one, so any DOCTYPE/ENTITY declaration is refused before a parser sees it.
_HOSTILE = re.compile(rb"<!\s*(DOCTYPE|ENTITY|ELEMENT|ATTLIST)", re.IGNORECASE)
# WeChat sends UTF-8 only. Another encoding (UTF-16 has NUL bytes) would hide a
# DOCTYPE from the byte check above, so it is refused before parsing too.
_OTHER_ENCODING = re.compile(rb"<\?xml[^>]*encoding\s*=\s*[\"'](?!utf-?8[\"'])", re.IGNORECASE)


class InboundError(Exception):
    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


def signature(*parts: str) -> str:
    """SHA1 of the parts sorted and joined: WeChat's `signature` and `msg_signature`."""
    return hashlib.sha1("".join(sorted(parts)).encode("utf-8")).hexdigest()


# How far a request's timestamp may be from our clock. WeChat's retries come
# within ~15 s; the margin allows for clock drift. Older signed URLs (from a log,
# say) cannot be replayed.
MAX_CLOCK_SKEW_SECONDS = 300


def check_signature(
    token: str, given: str | None, timestamp: str | None, nonce: str | None, *, now: float | None = None
) -> None:
    if not (given and timestamp and nonce):
        raise InboundError(403, "missing signature")
    # As bytes: compare_digest refuses str with non-ASCII characters (a TypeError, so a 500).
    if not hmac.compare_digest(signature(token, timestamp, nonce).encode(), given.encode("utf-8", "replace")):
        raise InboundError(403, "bad signature")
    if not is_unix_time(timestamp) or abs(int(timestamp) - (time.time() if now is None else now)) > MAX_CLOCK_SKEW_SECONDS:
        raise InboundError(403, "stale or invalid timestamp")


# ASCII digits only: str.isdigit() also accepts "²" and other scripts' digits, which
# int() refuses, and int() refuses more than 4,300 digits.
_UNIX_TIME = re.compile(r"[0-9]{1,12}")


def is_unix_time(value: object) -> bool:
    """A timestamp or CreateTime as WeChat sends it: seconds, in plain ASCII digits."""
    return isinstance(value, str) and _UNIX_TIME.fullmatch(value) is not None


def parse_xml(body: bytes) -> dict[str, Any]:
    """The <xml> element of a WeChat payload as a flat dict."""
    if b"\x00" in body or _OTHER_ENCODING.search(body):
        raise InboundError(400, "only UTF-8 XML is accepted")
    if _HOSTILE.search(body):
        raise InboundError(400, "DTD or entity declaration refused")
    flat = parse_flat_xml(body)
    if flat is not None:
        return flat
    try:
        root = fromstring(body)
    except (ParseError, ValueError, UnicodeError):
        raise InboundError(400, "malformed XML") from None
    if root.tag != "xml":
        raise InboundError(400, "no <xml> root")
    return _children(root)


# WeChat's own payloads (the envelope, and the message inside it) are one <xml> of leaves,
# each a CDATA section or a plain number or word. Those are read by the short loop below
# instead of building a parser and a tree (12–33 µs against 19–45 µs, twice a message:
# bench/README.md); anything else (a declaration, nesting, attributes, entities, a repeated
# tag, two sections in one leaf, a character XML forbids) returns None and goes to the
# parser. Where this reads a document
# at all it must read it as the parser does: tests/test_inbound_flat_xml.py checks that.
_FLAT_OPEN = re.compile(r"[ \t\r\n]*<xml>")  # XML's whitespace only (\s would take \f and \v, which XML forbids)
_FLAT_TAG = re.compile(r"[ \t\r\n]*<([A-Za-z_][A-Za-z0-9_]{0,63})>")
_FLAT_PLAIN = re.compile(r"[0-9A-Za-z_.+\-]{0,64}")
_FLAT_CLOSE = re.compile(r"[ \t\r\n]*</xml>[ \t\r\n]*")
# Characters XML 1.0 does not allow, which the parser refuses: the control characters but
# tab, newline and carriage return (deleted by translate: a regular expression took ~7 ns a
# character), and U+FFFE and U+FFFF. Surrogates fail UTF-8 decoding.
_XML_FORBIDDEN_CONTROLS = bytes(range(0x09)) + b"\x0b\x0c" + bytes(range(0x0e, 0x20))


def _xml_forbidden(body: bytes) -> bool:
    return (len(body.translate(None, _XML_FORBIDDEN_CONTROLS)) != len(body)
            or b"\xef\xbf\xbe" in body or b"\xef\xbf\xbf" in body)


def parse_flat_xml(body: bytes) -> dict[str, str] | None:
    """``parse_xml``'s result for a flat WeChat payload; None for any other document."""
    if _xml_forbidden(body):
        return None
    try:
        doc = body.decode("utf-8")
    except UnicodeDecodeError:
        return None
    opening = _FLAT_OPEN.match(doc)
    if opening is None:
        return None
    result: dict[str, str] = {}
    pos = opening.end()
    while (tag := _FLAT_TAG.match(doc, pos)) is not None:
        name = tag.group(1)
        pos = tag.end()
        if doc.startswith("<![CDATA[", pos):
            end = doc.find("]]>", pos + 9)
            if end < 0:
                return None
            value = doc[pos + 9:end]
            pos = end + 3
        else:
            plain = _FLAT_PLAIN.match(doc, pos)
            assert plain is not None  # (it matches the empty string)
            value = plain.group()
            pos = plain.end()
        closing = f"</{name}>"
        if name in result or not doc.startswith(closing, pos):
            return None
        if "\r" in value:  # XML's end-of-line handling, which the parser applies inside CDATA too
            value = value.replace("\r\n", "\n").replace("\r", "\n")
        result[name] = value
        pos += len(closing)
    if _FLAT_CLOSE.fullmatch(doc, pos) is None:
        return None
    return result


def _children(element: Element) -> dict[str, Any]:
    """Child elements as a dict; nested elements nest, repeated tags become lists."""
    result: dict[str, Any] = {}
    for child in element:
        value: Any = _children(child) if len(child) else (child.text or "")
        if child.tag in result:
            previous = result[child.tag]
            result[child.tag] = [*previous, value] if isinstance(previous, list) else [previous, value]
        else:
            result[child.tag] = value
    return result


def cdata(text: str) -> str:
    """``text`` as CDATA content: a "]]>" inside would end the section early, so it is split
    across two sections (wechatpy's replies leave it as it is, which breaks the XML)."""
    return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def text_reply(to_user: str, from_user: str, created: int, content: str) -> str:
    """A passive text reply's XML, in the order and layout wechatpy's ``TextReply`` renders it."""
    return (f"<xml>\n<MsgType><![CDATA[text]]></MsgType>\n<Content>{cdata(content)}</Content>\n"
            f"<FromUserName>{cdata(from_user)}</FromUserName>\n<ToUserName>{cdata(to_user)}</ToUserName>\n"
            f"<CreateTime>{created}</CreateTime>\n</xml>")


class MessageCipher:
    """WeChat's message encryption (消息加解密), one EncodingAESKey: AES-256-CBC with the key's
    first 16 bytes as the IV, over 16 random bytes, the message's length (4 bytes, network
    order), the message and the AppId, padded PKCS#7-style to a multiple of 32 bytes, then
    base64.

    Setting a CBC context up (OpenSSL's init) costs more than encrypting a reply, so each
    thread keeps one encryptor and one decryptor open across messages. A CBC context goes on
    from the last ciphertext block it saw instead of the IV; XORing the first block with
    (IV ⊕ that block), before encrypting or after decrypting, gives exactly what a fresh
    context with the IV gives (tests/test_message_cipher.py compares the two)."""

    _BLOCK = 32

    def __init__(self, key: bytes, app_id: str) -> None:
        self._cipher = Cipher(algorithms.AES(key), modes.CBC(key[:16]))
        self._iv = int.from_bytes(key[:16], "big")
        self._app_id = app_id.encode("utf-8")
        self._open = threading.local()  # per thread: [encryptor, its last block, decryptor, its last block]

    def _contexts(self) -> list[Any]:
        contexts = getattr(self._open, "contexts", None)
        if contexts is None:
            contexts = self._open.contexts = [self._cipher.encryptor(), self._iv, self._cipher.decryptor(), self._iv]
        return contexts

    def encrypt(self, text: str) -> str:
        body = text.encode("utf-8")
        plain = b"".join((secrets.token_hex(8).encode("ascii"), len(body).to_bytes(4, "big"), body, self._app_id))
        pad = self._BLOCK - len(plain) % self._BLOCK
        contexts = self._contexts()
        first = int.from_bytes(plain[:16], "big") ^ self._iv ^ contexts[1]
        try:
            sealed = contexts[0].update(first.to_bytes(16, "big") + plain[16:] + bytes((pad,)) * pad)
        except BaseException:
            del self._open.contexts  # its chain is unknown now: the next message starts a fresh one
            raise
        contexts[1] = int.from_bytes(sealed[-16:], "big")
        return base64.b64encode(sealed).decode("ascii")

    def decrypt(self, text: str) -> bytes:
        """The message (UTF-8 bytes); ValueError when it is not ours (wrong key, length,
        padding or AppId, or not UTF-8)."""
        data = base64.b64decode(text)
        if not data or len(data) % 16:
            raise ValueError("not a whole number of AES blocks")  # (and would upset the open context)
        contexts = self._contexts()
        try:
            plain = contexts[2].update(data)
        except BaseException:
            del self._open.contexts
            raise
        first = int.from_bytes(plain[:16], "big") ^ contexts[3] ^ self._iv
        contexts[3] = int.from_bytes(data[-16:], "big")
        plain = first.to_bytes(16, "big") + plain[16:]
        pad = plain[-1] if plain else 0
        if not 1 <= pad <= self._BLOCK:
            raise ValueError("bad padding")
        content = plain[16:-pad]
        length = int.from_bytes(content[:4], "big")
        if len(content) < 4 + length or content[4 + length:] != self._app_id:
            raise ValueError("length or AppId does not match")
        message = content[4:4 + length]
        message.decode("utf-8")  # raises UnicodeDecodeError, a ValueError
        return message


class Envelope:
    """Safe-mode AES envelopes for one account (current and previous key)."""

    def __init__(self, token: str, app_id: str, aes_keys: list[str]) -> None:
        self.token = token
        self.app_id = app_id
        self.keys = [base64.b64decode(k + "=") for k in aes_keys if k]
        self._crypto = {key: MessageCipher(key, app_id) for key in self.keys}

    def open(self, outer: dict[str, Any], msg_signature: str | None, timestamp: str, nonce: str) -> tuple[bytes, bytes]:
        """Verify and decrypt; returns (inner XML, the key that worked)."""
        encrypted = outer.get("Encrypt")
        if not isinstance(encrypted, str) or not encrypted:
            raise InboundError(400, "no Encrypt element")
        if not msg_signature or not hmac.compare_digest(
            signature(self.token, timestamp, nonce, encrypted).encode(), msg_signature.encode("utf-8", "replace")
        ):
            raise InboundError(403, "bad msg_signature")
        # Try the current key, then the previous one: staff may have just
        # changed the EncodingAESKey in the WeChat console.
        for key in self.keys:
            try:
                inner = self._crypto[key].decrypt(encrypted)
            except Exception:  # wrong key: bad padding, bad base64, bad UTF-8 or AppId
                continue
            return inner, key
        raise InboundError(403, "does not decrypt with the configured key")

    def seal(self, reply_xml: str, key: bytes, nonce: str | None = None) -> str:
        """Encrypt a reply as WeChat expects it in safe mode."""
        nonce = nonce or secrets.token_hex(8)
        timestamp = str(int(time.time()))
        encrypted = self._crypto[key].encrypt(reply_xml)
        sig = signature(self.token, timestamp, nonce, encrypted)
        return (
            f"<xml><Encrypt><![CDATA[{encrypted}]]></Encrypt>"
            f"<MsgSignature><![CDATA[{sig}]]></MsgSignature>"
            f"<TimeStamp>{timestamp}</TimeStamp>"
            f"<Nonce><![CDATA[{nonce}]]></Nonce></xml>"
        )

"""WeChat error codes and messages, as the real API spells them.

Every error answer carries an ``errmsg`` ending in ``rid: ...`` like WeChat's.
"""
from __future__ import annotations

import secrets
from typing import Any

ERRMSG: dict[int, str] = {
    -1: "system error",
    0: "ok",
    40001: "invalid credential, access_token is invalid or not latest",
    40002: "invalid grant_type",
    40004: "invalid media type",
    40005: "invalid file type",
    40006: "invalid media size",
    40007: "invalid media_id",
    40008: "invalid message type",
    40009: "invalid image size",
    40013: "invalid appid",
    40014: "invalid access_token",
    40016: "invalid button size",
    40017: "invalid button type",
    40018: "invalid button name size",
    40019: "invalid button key size",
    40020: "invalid button url size",
    40023: "invalid sub button size",
    40024: "invalid sub button type",
    40025: "invalid sub button name size",
    40026: "invalid sub button key size",
    40027: "invalid sub button url size",
    40003: "invalid openid",
    40125: "invalid appsecret",
    41001: "access_token missing",
    41002: "appid missing",
    41004: "appsecret missing",
    41005: "media data missing",
    42001: "access_token expired",
    43001: "require GET method",
    43002: "require POST method",
    44003: "empty news data",
    44004: "empty content",
    45002: "content size out of limit",
    45003: "title size out of limit",
    45004: "description size out of limit",
    45005: "url size out of limit",
    45008: "article size out of limit",
    45009: "reach max api daily quota limit",
    45011: "api minute-quota reach limit  mustslower  retry next minute",
    45015: "response out of time limit or subscription is canceled",
    45028: "has no masssend quota",
    45047: "out of response count limit",
    45065: "clientmsgid exist",
    45066: "clientmsgid retry too fast",
    45067: "clientmsgid size out of limit",
    45110: "author size out of limit",
    46003: "menu no exist",
    47001: "data format error",
    48001: "api unauthorized",
}


class ApiError(Exception):
    """Raised by a handler: becomes ``{"errcode": code, "errmsg": ...}`` plus extras."""

    def __init__(self, errcode: int, errmsg: str | None = None, **extra: Any) -> None:
        super().__init__(errcode)
        self.errcode = errcode
        self.errmsg = errmsg
        self.extra = extra

    def body(self) -> dict[str, Any]:
        return error_body(self.errcode, self.errmsg, **self.extra)


def rid() -> str:
    return "-".join(secrets.token_hex(4) for _ in range(3))


def error_body(errcode: int, errmsg: str | None = None, **extra: Any) -> dict[str, Any]:
    text = errmsg or ERRMSG.get(errcode, "unknown error")
    body: dict[str, Any] = {"errcode": errcode, "errmsg": f"{text} rid: {rid()}"}
    body.update(extra)
    return body


def ok(**extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"errcode": 0, "errmsg": "ok"}
    body.update(extra)
    return body

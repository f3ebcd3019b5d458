"""Our narrow gateway over wechatpy's ``WeChatClient``: only the calls we use.

wechatpy 2.0.0a26 lacks three things a multi-process deployment needs
(wechat-platform.md §2.7, §3.2); this module adds them:

* **stable_token**: the token comes from ``POST stable_token`` in normal mode,
  so repeated fetches return the same token instead of rotating it;
* **one refresher**: the token lives in Redis (``{prefix}wechat:access_token``,
  TTL = expires_in − 60); a Redis lock (``SET NX PX``) lets one process fetch
  while the others wait briefly and read it; on 40001/40014/42001 the stored
  token is dropped only if it is still the one that failed, then the call is
  retried once;
* **timeouts**: every HTTP call has one; no answer → ``UpstreamError(-2)``.

Mass sends are never retried automatically on -1 or a timeout: WeChat may have
sent already (the WxJava double-post issue #2098). Their ``clientmsgid`` makes a
later deliberate retry safe: WeChat answers 45065 with the existing msg_id,
which ``mass_send_article`` returns as a duplicate, not an error.
"""
from __future__ import annotations

import json
import logging
import mimetypes
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, NamedTuple, TypeVar
from urllib.parse import parse_qs, urlsplit

import requests
from wechatpy import WeChatClient
from wechatpy.exceptions import WeChatClientException

from .errors import UpstreamError

if TYPE_CHECKING:
    import redis as redis_lib

log = logging.getLogger(__name__)

T = TypeVar("T")

TOKEN_ERRORS = frozenset({40001, 40014, 42001})
CLIENTMSGID_EXISTS = 45065
# Fields wechatpy's draft.add keeps; anything else goes through a raw post.
_WECHATPY_DRAFT_FIELDS = frozenset({
    "title", "author", "digest", "content", "content_source_url", "thumb_media_id",
    "need_open_comment", "only_fans_can_comment"})

# Compare-and-delete: release our lock / drop the token only if it is still ours.
_CAS_DELETE = """
if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end
return 0
"""

_MASS_UNKNOWN = ("群发请求结果未知（网络超时或微信繁忙），请勿手动重发："
                 "稍后用同一批次重试时，微信会识别重复而不会再发一次")
_MASS_QUOTA = {"subscription": "今日群发次数已用完（订阅号每天1次）",
               "service": "本月群发次数已用完（服务号每月4次）"}


class UploadedImage(NamedTuple):
    media_id: str
    url: str


class MassSendResult(NamedTuple):
    msg_id: int | None
    msg_data_id: int | None
    duplicate: bool  # True: WeChat said 45065, this clientmsgid was already sent


class _Client(WeChatClient):
    """wechatpy's client whose access token comes from the gateway (never /token)."""

    def __init__(self, gateway: WeChatGateway, appid: str, secret: str,
                 timeout: float, base_url: str) -> None:
        super().__init__(appid, secret, timeout=timeout, auto_retry=False)
        self._gateway = gateway
        self.API_BASE_URL = base_url

    @property
    def access_token(self) -> str:
        gateway = self.__dict__.get("_gateway")
        if gateway is None:  # wechatpy's __new__ inspects attributes before __init__
            raise AttributeError("access_token")
        return gateway.access_token()

    def fetch_access_token(self) -> dict[str, Any]:
        raise RuntimeError("tokens are fetched by WeChatGateway (stable_token)")


class WeChatGateway:
    def __init__(self, app_id: str, app_secret: str, *, redis: redis_lib.Redis,
                 key_prefix: str = "wb:",
                 api_base_url: str = "https://api.weixin.qq.com/cgi-bin/",
                 timeout: float = 5.0, account_type: str = "subscription") -> None:
        self.app_id = app_id
        self._secret = app_secret
        self._redis = redis
        self._base = api_base_url if api_base_url.endswith("/") else api_base_url + "/"
        self._timeout = timeout
        self._account_type = account_type
        self._token_key = f"{key_prefix}wechat:access_token"
        self._lock_key = f"{key_prefix}wechat:access_token:lock"
        self._seen_key = f"{key_prefix}wechat:last_seen"
        self._lock_ttl_ms = int((timeout * 2 + 5) * 1000)
        self._lock_wait = timeout + 2.0
        self._cas_delete = redis.register_script(_CAS_DELETE)
        self._client = _Client(self, app_id, app_secret, timeout, self._base)

    # -- access token ------------------------------------------------------
    def access_token(self) -> str:
        """The shared token from Redis, fetched (by one process at a time) when absent."""
        return self._stored_token() or self._refresh_token()

    def _stored_token(self) -> str | None:
        value = self._redis.get(self._token_key)
        if isinstance(value, bytes):
            return value.decode()
        return value  # type: ignore[return-value]

    def _refresh_token(self) -> str:
        me = uuid.uuid4().hex
        deadline = time.monotonic() + self._lock_wait
        while True:
            if self._redis.set(self._lock_key, me, nx=True, px=self._lock_ttl_ms):
                try:
                    token = self._stored_token()  # someone may have just finished
                    if token:
                        return token
                    token, expires_in = self._fetch_stable_token()
                    self._redis.set(self._token_key, token, ex=max(expires_in - 60, 1))
                    return token
                finally:
                    self._cas_delete(keys=[self._lock_key], args=[me])
            time.sleep(0.05)
            token = self._stored_token()
            if token:
                return token
            if time.monotonic() >= deadline:
                raise UpstreamError(-2, "timed out waiting for the token refresh lock",
                                    "获取微信接口凭证超时，请稍后再试")

    def _fetch_stable_token(self) -> tuple[str, int]:
        """``POST stable_token`` in normal mode (force_refresh=false).

        https://developers.weixin.qq.com/doc/service/api/base/api_getstableaccesstoken
        """
        payload = {"grant_type": "client_credential", "appid": self.app_id,
                   "secret": self._secret, "force_refresh": False}
        try:
            res = self._client._http.post(f"{self._base}stable_token", json=payload,
                                          timeout=self._timeout)
            res.raise_for_status()
            data = res.json()
        except requests.RequestException as exc:
            raise UpstreamError(-2, f"stable_token: {type(exc).__name__}") from exc
        except ValueError as exc:
            raise UpstreamError(-2, "stable_token: answer is not JSON") from exc
        if data.get("errcode"):
            log.warning("stable_token failed: errcode %s", data["errcode"])
            raise UpstreamError(int(data["errcode"]), str(data.get("errmsg", "")))
        return str(data["access_token"]), int(data.get("expires_in", 7200))

    def _expire_token(self, failed: str | None) -> None:
        """Drop the stored token only if it is still the one that just failed."""
        if failed:
            self._cas_delete(keys=[self._token_key], args=[failed])

    # -- calling ---------------------------------------------------------------
    def _call(self, fn: Callable[[], T], *, retry_busy: bool = True,
              unknown_message: str | None = None) -> T:
        try:
            result = self._call_once_or_twice(fn, retry_busy, unknown_message)
        except UpstreamError as exc:
            self._seen(exc.errcode != -2, exc.errcode)
            raise
        self._seen(True, 0)
        return result

    def _seen(self, reachable: bool, errcode: int) -> None:
        """Record for /healthz whether WeChat answered the last call (any process)."""
        seen = {"reachable": reachable, "errcode": errcode,
                "at": datetime.now(UTC).isoformat(timespec="seconds")}
        try:
            self._redis.set(self._seen_key, json.dumps(seen), ex=7 * 86400)
        except Exception as exc:  # noqa: BLE001 - bookkeeping must never fail a call
            log.debug("could not record WeChat reachability: %s", exc)

    def _call_once_or_twice(self, fn: Callable[[], T], retry_busy: bool,
                            unknown_message: str | None) -> T:
        for attempt in (1, 2):
            try:
                return fn()
            except WeChatClientException as exc:
                code = exc.errcode
                if code is None:  # HTTP error status, no WeChat JSON
                    status = getattr(exc.response, "status_code", "?")
                    raise UpstreamError(-2, f"HTTP {status}", unknown_message) from exc
                if attempt == 1 and code in TOKEN_ERRORS:
                    self._expire_token(_token_of(exc))
                    continue
                if attempt == 1 and code == -1 and retry_busy:
                    continue
                raise self._error(int(code), str(exc.errmsg), unknown_message) from exc
            except requests.RequestException as exc:
                raise UpstreamError(-2, type(exc).__name__, unknown_message) from exc
        raise AssertionError("unreachable")

    def _error(self, code: int, errmsg: str, unknown_message: str | None) -> UpstreamError:
        log.warning("WeChat API error %s", code)
        if code == 45028:
            return UpstreamError(code, errmsg, _MASS_QUOTA.get(self._account_type))
        if code == -1:
            return UpstreamError(code, errmsg, unknown_message)
        return UpstreamError(code, errmsg)

    # -- the calls we use ----------------------------------------------------------
    def send_text(self, openid: str, text: str) -> None:
        """客服消息 (text) to one user, inside the window the user opened.

        https://developers.weixin.qq.com/doc/offiaccount/Message_Management/Service_Center_messages.html
        """
        self._call(lambda: self._client.message.send_text(openid, text))

    def create_menu(self, menu: dict[str, Any]) -> None:
        """Replace the custom menu.

        https://developers.weixin.qq.com/doc/offiaccount/Custom_Menus/Creating_Custom-Defined_Menu.html
        """
        self._call(lambda: self._client.menu.create(menu))

    def get_menu(self) -> dict[str, Any] | None:
        """The current custom menu, or None when none is set (46003).

        https://developers.weixin.qq.com/doc/offiaccount/Custom_Menus/Querying_Custom_Menus.html
        """
        return self._call(lambda: self._client.menu.get())

    def upload_thumb(self, data: bytes, filename: str) -> str:
        """Permanent ``thumb`` material (JPG, ≤ 64 KB) for a draft cover → media_id.

        https://developers.weixin.qq.com/doc/service/api/material/permanent/api_addmaterial
        """
        res = self._call(lambda: self._client.material.add("thumb", _file(filename, data)))
        return str(_dict(res)["media_id"])

    def upload_image(self, data: bytes, filename: str) -> UploadedImage:
        """Permanent ``image`` material (bmp/png/jpeg/gif, ≤ 10 MB) → media_id and url.

        https://developers.weixin.qq.com/doc/service/api/material/permanent/api_addmaterial
        """
        res = _dict(self._call(
            lambda: self._client.material.add("image", _file(filename, data))))
        return UploadedImage(str(res["media_id"]), str(res.get("url", "")))

    def upload_article_image(self, data: bytes, filename: str) -> str:
        """An image for use inside article HTML (jpg/png, < 1 MB) → its url.

        https://developers.weixin.qq.com/doc/offiaccount/Asset_Management/Adding_Permanent_Assets.html
        """
        return str(self._call(lambda: self._client.media.upload_image(_file(filename, data))))

    def add_draft(self, articles: list[dict[str, Any]]) -> str:
        """A new draft (1–8 articles) → its media_id.

        https://developers.weixin.qq.com/doc/service/api/draftbox/draftmanage/api_draft_add
        """
        if any(set(a) - _WECHATPY_DRAFT_FIELDS for a in articles):
            # wechatpy's draft.add drops article_type / pic_crop_*: post as given.
            res = self._call(lambda: self._client.post("draft/add",
                                                       data={"articles": articles}))
        else:
            res = self._call(lambda: self._client.draft.add(articles))
        return str(_dict(res)["media_id"])

    def get_draft(self, media_id: str) -> list[dict[str, Any]]:
        """The articles (``news_item``) of a draft.

        https://developers.weixin.qq.com/doc/offiaccount/Draft_Box/Get_draft.html
        """
        res = _dict(self._call(lambda: self._client.draft.get(media_id)))
        return list(res.get("news_item", []))

    def submit_publish(self, media_id: str) -> str:
        """发布 a draft (no push to followers) → publish_id; the result comes later
        as a PUBLISHJOBFINISH event. Not retried on -1: a retry could publish twice.

        https://developers.weixin.qq.com/doc/subscription/api/public/api_freepublish_submit.md
        """
        res = _dict(self._call(lambda: self._client.freepublish.submit(media_id),
                               retry_busy=False,
                               unknown_message="发布请求结果未知（网络超时或微信繁忙），请先核对是否已发布"))
        return str(res["publish_id"])

    def get_publish(self, publish_id: str) -> dict[str, Any]:
        """Status of a publish job (publish_status 0 ok, 1 publishing, 2–6 failed).

        https://developers.weixin.qq.com/doc/service/api/public/api_freepublish_get
        """
        return _dict(self._call(lambda: self._client.freepublish.get(publish_id)))

    def get_mass(self, msg_id: str) -> str:
        """Status of a mass send: SEND_SUCCESS, SENDING, SEND_FAIL or DELETE.

        https://developers.weixin.qq.com/doc/offiaccount/Message_Management/Batch_Sends_and_Originality_Checks.html
        """
        res = _dict(self._call(lambda: self._client.post("message/mass/get",
                                                         data={"msg_id": int(msg_id)})))
        return str(res.get("msg_status", ""))

    def mass_send_article(self, media_id: str, client_msg_id: str, *,
                          is_to_all: bool = True, ignore_reprint: bool = True,
                          tag_id: int | None = None) -> MassSendResult:
        """群发 a draft to followers → msg_id. Never retried on -1 or a timeout.

        45065 (this ``client_msg_id`` was sent within 24 h) returns the existing
        msg_id with ``duplicate=True``: it proves the send already happened.

        https://developers.weixin.qq.com/doc/service/api/notify/message/api_sendall
        """
        def send() -> MassSendResult:
            try:
                res = _dict(self._client.message.send_mass_article(
                    media_id, tag_or_users=tag_id, is_to_all=is_to_all,
                    send_ignore_reprint=1 if ignore_reprint else 0,
                    client_msg_id=client_msg_id))
            except WeChatClientException as exc:
                if exc.errcode == CLIENTMSGID_EXISTS:
                    body = _json_of(exc)
                    return MassSendResult(_int(body.get("msg_id")),
                                          _int(body.get("msg_data_id")), True)
                raise
            return MassSendResult(_int(res.get("msg_id")), _int(res.get("msg_data_id")),
                                  False)

        return self._call(send, retry_busy=False, unknown_message=_MASS_UNKNOWN)


def _file(filename: str, data: bytes) -> tuple[str, bytes, str]:
    ctype = mimetypes.guess_type(filename)[0] or "application/octet-stream"
    return (filename, data, ctype)


def _dict(res: Any) -> dict[str, Any]:
    if not isinstance(res, dict):
        raise UpstreamError(-2, "WeChat answer is not JSON")
    return res


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _json_of(exc: WeChatClientException) -> dict[str, Any]:
    try:
        body = exc.response.json()
    except Exception:  # no response or not JSON
        return {}
    return body if isinstance(body, dict) else {}


def _token_of(exc: WeChatClientException) -> str | None:
    """The access_token the failed request carried."""
    url = getattr(exc.request, "url", None)
    if not url:
        return None
    values = parse_qs(urlsplit(url).query).get("access_token")
    return values[0] if values else None

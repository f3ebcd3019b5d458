"""WeChat's POSTs to /wechat are answered outside Flask's request machinery
(``webhook.DirectWebhook``, for speed): what a citizen and WeChat's servers get is what
the Flask view gives, links point at the host the request came to (or the proxy's, when
trusted), and an unexpected failure is a logged 500 with no traceback in the reply."""
from __future__ import annotations

import logging
import re
from urllib.parse import urlencode

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from werkzeug.test import Client, EnvironBuilder
from werkzeug.wrappers import Request, Response

from wechat_bot.webhook import DirectWebhook, _query_args

from .conftest import WeChatClient


def flask_view_only(app, side) -> WeChatClient:
    """WeChat posting to the same app with the direct path taken out: Flask's own dispatch."""
    layer = app.wsgi_app
    while not isinstance(layer, DirectWebhook):
        layer = layer.app  # ProxyFix, when web.trusted_proxies is set
    return WeChatClient(Client(layer.wsgi_app, Response), side)


def test_every_refusal_is_the_flask_views_byte_for_byte(app, wechat, wechat_side):
    sealed_query, sealed_body = wechat_side.seal(wechat_side.text("你好"))
    cases = {
        "unsigned": ("", b"<xml/>"),
        "forged": (urlencode({**wechat_side.signed_query(), "signature": "0" * 40}), b"<xml/>"),
        "not XML": (sealed_query, b"<xml><Encrypt>"),
        "empty": (sealed_query, b"   "),
        "too large": (sealed_query, b"<xml>" + b"x" * 70_000 + b"</xml>"),
        "plaintext in safe mode": wechat_side.plain(wechat_side.text("你好")),
        "timestamp ²": (urlencode(wechat_side.signed_query(timestamp="²")), sealed_body),
        "CreateTime not a number": wechat_side.seal(re.sub(
            r"<CreateTime>.*?</CreateTime>", "<CreateTime>soon</CreateTime>", wechat_side.text("你好"))),
    }
    for name, (query, body) in cases.items():
        direct, through_flask = wechat.post(query, body), flask_view_only(app, wechat_side).post(query, body)
        assert direct.status_code in (400, 403, 413), name
        assert (direct.status, direct.headers.to_wsgi_list(), direct.data) == \
               (through_flask.status, through_flask.headers.to_wsgi_list(), through_flask.data), name


def test_a_reply_is_the_flask_views_reply(app, wechat, wechat_side):
    for xml_for in (lambda openid: wechat_side.text("身份证丢了怎么补办", openid=openid),
                    lambda openid: wechat_side.event("subscribe", openid=openid)):
        direct = wechat.deliver(xml_for("o_direct"))
        through_flask = flask_view_only(app, wechat_side).deliver(xml_for("o_flask"))
        assert (direct.status, direct.headers["Content-Type"]) == ("200 OK", "application/xml; charset=utf-8")
        assert direct.headers.to_wsgi_list() == [("Content-Type", "application/xml; charset=utf-8"),
                                                 ("Content-Length", str(len(direct.data)))]
        assert through_flask.headers["Content-Type"] == direct.headers["Content-Type"]
        assert wechat_side.open_reply(direct.data, expect_to="o_direct")["Content"] == \
               wechat_side.open_reply(through_flask.data, expect_to="o_flask")["Content"]


def test_a_guide_link_points_at_the_host_the_message_came_to(wechat, wechat_side):
    response = wechat.post(*wechat_side.seal(wechat_side.text("身份证丢了怎么补办")),
                           base_url="http://wx.lueyang.example:8080")
    assert "http://wx.lueyang.example:8080/g/idcard-reissue" in wechat_side.open_reply(response.data)["Content"]


@pytest.mark.parametrize("settings_overrides", [{"web": {"trusted_proxies": 1}}])
def test_behind_a_trusted_proxy_the_link_is_the_public_one(wechat, wechat_side):
    response = wechat.post(*wechat_side.seal(wechat_side.text("身份证丢了怎么补办")), headers={
        "X-Forwarded-For": "101.226.0.1", "X-Forwarded-Proto": "https", "X-Forwarded-Host": "wx.lueyang.example",
    })
    assert "https://wx.lueyang.example/g/idcard-reissue" in wechat_side.open_reply(response.data)["Content"]


def test_an_unexpected_failure_is_a_logged_500_without_a_traceback(app, wechat, wechat_side, caplog, monkeypatch):
    services = app.extensions["wechat_bot"]

    def broken(*args, **kwargs):
        raise RuntimeError("secret detail from deep inside")

    monkeypatch.setattr(services.envelope, "open", broken)
    sealed = wechat_side.seal(wechat_side.text("你好"))
    app.config["TESTING"] = False
    with caplog.at_level(logging.ERROR):
        response = wechat.post(*sealed)
    assert (response.status_code, response.data) == (500, b"internal server error")
    assert b"secret" not in response.data
    assert "Exception on /wechat [POST]" in caplog.text and "RuntimeError" in caplog.text
    app.config["TESTING"] = True  # as Flask does under test: the exception reaches the test
    with pytest.raises(RuntimeError):
        wechat.post(*sealed)


def test_other_methods_and_paths_are_flasks(client):
    assert client.put("/wechat").status_code == 405
    assert client.open("/wechat", method="OPTIONS").headers["Allow"]
    assert client.post("/wechat/").status_code in (308, 404)


_QUERY_CHARS = st.sampled_from(list("ab=&%+;2FEe0") + ["%E4%BD%A0", "%C2%B2", "²", "你", "%ZZ", "\x00", " "])


@settings(max_examples=400, deadline=None)
@given(st.lists(_QUERY_CHARS, max_size=24).map("".join))
def test_query_parameters_are_read_as_werkzeug_reads_them(query):
    builder = EnvironBuilder(path="/wechat", query_string=query.encode("utf-8").decode("latin1"))
    environ = builder.get_environ()
    expected = {name: Request(environ).args.get(name) for name in Request(environ).args}
    assert _query_args(environ) == expected

"""An account in plaintext mode (明文模式): no EncodingAESKey configured."""
from __future__ import annotations

import pytest

from .wechat_side import xml_fields


@pytest.fixture
def settings_overrides():
    return {"wechat": {"app_id": "wx1234567890abcdef", "app_secret": "secret", "encoding_aes_key": ""}}


def test_plaintext_mode_replies_in_plain_xml(wechat, wechat_side):
    response = wechat.post(*wechat_side.plain(wechat_side.text("你好", openid="o_bob")))
    assert response.status_code == 200
    reply = xml_fields(response.data)
    assert reply["ToUserName"] == "o_bob"
    assert "办事指南" in reply["Content"]


def test_plaintext_bad_inputs(wechat, wechat_side):
    assert wechat.post(*wechat_side.plain("<xml><Foo>1</Foo></xml>")).status_code == 400
    assert wechat.post(*wechat_side.plain("<xml><ToUserName>gh</ToUser")).status_code == 400

"""The /wechat endpoint: verification, modes, and every kind of bad input."""
from __future__ import annotations

import re
from urllib.parse import urlencode

from .wechat_side import sha1_signature, xml_fields


def test_get_with_a_valid_signature_echoes_echostr(client, wechat_side):
    query = wechat_side.signed_query(echostr="5921403728871234")
    response = client.get("/wechat?" + urlencode(query))
    assert response.status_code == 200
    assert response.data == b"5921403728871234"


def test_get_with_a_forged_signature_is_forbidden(client, wechat_side):
    query = wechat_side.signed_query(echostr="x")
    query["signature"] = "0" * 40
    assert client.get("/wechat?" + urlencode(query)).status_code == 403


def test_missing_signature_is_forbidden(client):
    assert client.get("/wechat?echostr=x").status_code == 403
    assert client.post("/wechat", data=b"<xml/>").status_code == 403


def test_safe_mode_reply_is_encrypted_signed_and_addressed_back(wechat, wechat_side):
    response = wechat.deliver(wechat_side.text("你好", openid="o_alice"))
    assert response.status_code == 200
    outer = xml_fields(response.data)
    assert set(outer) == {"Encrypt", "MsgSignature", "TimeStamp", "Nonce"}
    reply = wechat_side.open_reply(response.data, expect_to="o_alice")
    assert reply["MsgType"] == "text"
    assert "办事指南" in reply["Content"]


def test_a_message_without_our_account_name_is_still_answered(wechat, wechat_side):
    # ToUserName (the account) missing, or an event's made nested: the reply is built
    # from "" or the text of it, as wechatpy's replies are, never a 500.
    without = wechat_side.text("你好", openid="o_alice").replace("<ToUserName><![CDATA[gh_lueyang_test]]></ToUserName>", "")
    assert "ToUserName" not in without
    response = wechat.deliver(without)
    assert response.status_code == 200
    reply = wechat_side.open_reply(response.data)
    assert (reply["ToUserName"], reply["FromUserName"]) == ("o_alice", "")
    assert "办事指南" in reply["Content"]
    nested = wechat_side.event("subscribe", openid="o_alice").replace(
        "<ToUserName><![CDATA[gh_lueyang_test]]></ToUserName>", "<ToUserName><a>gh</a></ToUserName>")
    assert "<a>gh</a>" in nested
    assert wechat.deliver(nested).status_code == 200


def test_plaintext_post_is_refused_when_safe_mode_is_configured(wechat, wechat_side):
    # The URL signature does not cover the body: with an EncodingAESKey set,
    # only encrypted messages are believed.
    response = wechat.post(*wechat_side.plain(wechat_side.text("人工 伪造的留言", openid="o_bob")))
    assert response.status_code == 403


def test_stale_or_invalid_timestamps_are_refused(client, wechat_side):
    import time

    for timestamp in ("1", "abc", str(int(time.time()) - 3600), str(int(time.time()) + 3600)):
        query = wechat_side.signed_query(echostr="x", timestamp=timestamp)
        assert client.get("/wechat?" + urlencode(query)).status_code == 403, timestamp


def test_a_signed_url_replayed_later_is_refused(client, wechat_side):
    import time

    from .wechat_side import encrypt

    encrypted = encrypt(wechat_side.key, wechat_side.app_id, wechat_side.text("你好").encode())
    body = f"<xml><ToUserName>gh</ToUserName><Encrypt>{encrypted}</Encrypt></xml>".encode()
    ten_minutes_ago = str(int(time.time()) - 600)
    query = urlencode(wechat_side.signed_query(encrypted_body=encrypted, timestamp=ten_minutes_ago))
    assert client.post(f"/wechat?{query}", data=body, content_type="text/xml").status_code == 403


def test_utf16_body_cannot_smuggle_a_doctype(wechat, wechat_side):
    xml = '<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE xml [<!ENTITY a "x">]><xml><MsgType>text</MsgType></xml>'
    query, _ = wechat_side.plain(xml)
    assert wechat.post(query, xml.encode("utf-16")).status_code == 400
    assert wechat.post(*wechat_side.seal(xml)).status_code == 400


def test_compatible_mode_is_decrypted_and_answered_encrypted(wechat, wechat_side):
    xml = wechat_side.text("你好", openid="o_carol")
    query, sealed = wechat_side.seal(xml)
    # Compatible mode: the plaintext fields travel beside the Encrypt element.
    body = sealed.replace(b"</xml>", xml[5:-6].encode() + b"</xml>")
    response = wechat.post(query, body)
    assert response.status_code == 200
    assert wechat_side.open_reply(response.data, expect_to="o_carol")["MsgType"] == "text"


def test_forged_msg_signature_is_forbidden(wechat, wechat_side):
    query, body = wechat_side.seal(wechat_side.text("你好"))
    query = query.replace("msg_signature=", "msg_signature=0")
    assert wechat.post(query, body).status_code == 403


def test_body_encrypted_with_another_key_is_forbidden_not_500(wechat, wechat_side):
    from .wechat_side import WeChatSide

    stranger = WeChatSide(wechat_side.token, "A" * 43, wechat_side.app_id)
    response = wechat.post(*stranger.seal(stranger.text("你好")))
    assert response.status_code == 403
    assert b"Traceback" not in response.data


def test_body_for_another_app_id_is_forbidden(wechat, wechat_side):
    from .conftest import TEST_AES_KEY
    from .wechat_side import WeChatSide

    # Same token and key, but the envelope names another AppId.
    other = WeChatSide(wechat_side.token, TEST_AES_KEY, "wxotherappid000001")
    assert wechat.post(*other.seal(other.text("你好"))).status_code == 403


def test_garbage_in_encrypt_element_is_forbidden(wechat, wechat_side):
    encrypted = "bm90IGEgcmVhbCBjaXBoZXJ0ZXh0"
    query = urlencode(wechat_side.signed_query(encrypted_body=encrypted))
    body = f"<xml><ToUserName>gh</ToUserName><Encrypt>{encrypted}</Encrypt></xml>".encode()
    assert wechat.post(query, body).status_code == 403


def test_malformed_xml_is_a_bad_request(wechat, wechat_side):
    response = wechat.post(*wechat_side.plain("<xml><ToUserName>gh</ToUser"))
    assert response.status_code == 400
    assert b"Traceback" not in response.data


def test_xml_without_message_fields_is_a_bad_request(wechat, wechat_side):
    assert wechat.post(*wechat_side.seal("<xml><Foo>1</Foo></xml>")).status_code == 400
    assert wechat.post(*wechat_side.plain("<notxml/>")).status_code == 400


def test_malformed_xml_inside_the_envelope_is_a_bad_request(wechat, wechat_side):
    assert wechat.post(*wechat_side.seal("<xml><MsgType>text</Ms")).status_code == 400


BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<xml><ToUserName>gh</ToUserName><FromUserName>o_x</FromUserName><CreateTime>1</CreateTime>
<MsgType>text</MsgType><Content>&lol3;</Content><MsgId>1</MsgId></xml>"""

EXTERNAL_ENTITY = """<?xml version="1.0"?>
<!DOCTYPE xml [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<xml><ToUserName>gh</ToUserName><FromUserName>o_x</FromUserName><CreateTime>1</CreateTime>
<MsgType>text</MsgType><Content>&xxe;</Content><MsgId>2</MsgId></xml>"""


def test_entity_expansion_is_refused(wechat, wechat_side):
    assert wechat.post(*wechat_side.plain(BILLION_LAUGHS)).status_code == 400


def test_external_entity_is_refused_in_plain_and_inside_the_envelope(wechat, wechat_side):
    assert wechat.post(*wechat_side.plain(EXTERNAL_ENTITY)).status_code == 400
    assert wechat.post(*wechat_side.seal(EXTERNAL_ENTITY)).status_code == 400


def test_bare_doctype_is_refused(wechat, wechat_side):
    xml = "<!DOCTYPE xml><xml><MsgType>text</MsgType></xml>"
    assert wechat.post(*wechat_side.plain(xml)).status_code == 400


def test_body_over_64_kib_is_too_large(wechat, wechat_side):
    xml = wechat_side.text("长" * 30000)  # 90 KB of UTF-8
    response = wechat.post(*wechat_side.plain(xml))
    assert response.status_code == 413


def test_chunked_body_over_64_kib_is_too_large(client, wechat_side):
    xml = wechat_side.text("长" * 30000).encode()
    query = urlencode(wechat_side.signed_query())

    import io

    # A chunked request has no Content-Length; servers such as gunicorn mark
    # the stream as terminated, and the limit must still hold.
    response = client.post(
        f"/wechat?{query}",
        input_stream=io.BytesIO(xml),
        headers={"Transfer-Encoding": "chunked"},
        environ_overrides={"wsgi.input_terminated": True},
    )
    assert response.status_code == 413


def test_empty_body_is_a_bad_request(wechat, wechat_side):
    assert wechat.post(urlencode(wechat_side.signed_query()), b"").status_code == 400


def test_unknown_message_type_answers_success(wechat, wechat_side):
    xml = wechat_side.message("miniprogrampage", Title="x")
    assert wechat.deliver(xml).data == b"success"


def test_unknown_event_answers_success(wechat, wechat_side):
    assert wechat.deliver(wechat_side.event("TEMPLATESENDJOBFINISH", Status="success", MsgID=1)).data == b"success"


def test_handler_crash_gets_the_polite_text_and_logs_no_message_text(app, wechat, wechat_side, caplog):
    def explode(message, ctx):
        raise RuntimeError("boom")

    app.extensions["wechat_bot"].router.messages["text"] = explode
    reply = wechat.say("我的身份证号是610727199001011234", openid="o_dave")
    assert reply == app.extensions["wechat_bot"].messages.error
    logged = caplog.text
    assert "handler failed" in logged
    assert "610727199001011234" not in logged
    assert "o_dave" not in logged


def test_signature_helper_matches_the_documented_example():
    # The documented construction: sort token, timestamp, nonce; SHA1 of the join.
    assert sha1_signature("AAAAA", "1409304348", "xxxxxx") == sha1_signature("xxxxxx", "AAAAA", "1409304348")


def test_repeated_or_nested_fields_in_a_message_are_a_bad_request(wechat, wechat_side):
    doubled = wechat_side.text("你好").replace("</xml>", "<Content>再来一个</Content></xml>")
    nested = wechat_side.text("你好").replace("<Content><![CDATA[你好]]></Content>", "<Content><a>1</a></Content>")
    assert wechat.post(*wechat_side.seal(doubled)).status_code == 400
    assert wechat.post(*wechat_side.seal(nested)).status_code == 400


def test_a_signed_timestamp_that_is_not_a_plain_number_is_refused_not_a_crash(client, wechat_side):
    # "²".isdigit() is true but int("²") fails; 5,000 digits exceed int()'s limit.
    for timestamp in ("²", "١٢٣٤٥٦٧٨٩٠", "9" * 5000, " 1", "+1700000000", "1_700_000_000"):
        query = wechat_side.signed_query(echostr="x", timestamp=timestamp)
        assert client.get("/wechat?" + urlencode(query)).status_code == 403, timestamp[:20]
        body = wechat_side.seal(wechat_side.text("你好"))[1]
        encrypted = xml_fields(body)["Encrypt"]
        query = wechat_side.signed_query(encrypted_body=encrypted, timestamp=timestamp)
        assert client.post("/wechat?" + urlencode(query), data=body).status_code == 403, timestamp[:20]


def test_a_message_whose_create_time_is_not_a_number_is_a_bad_request(wechat, wechat_side):
    for created in ("abc", "²", "9" * 5000, "", "-5", "1.5"):
        xml = re.sub(r"<CreateTime>.*?</CreateTime>", f"<CreateTime>{created}</CreateTime>", wechat_side.text("你好"))
        response = wechat.deliver(xml)
        assert response.status_code == 400, created[:20]

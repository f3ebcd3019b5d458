"""Random and hostile input at the three doors anyone can knock on: /wechat, the sign-in
page and the editor's live preview. Bounded in examples and time; no 500, no slow answer.

Answers are timed here (not in a benchmark) because a slow one is itself the defect: WeChat
gives up after 5 s, and one hostile request must not keep a worker busy for more than 1 s of CPU.
"""
from __future__ import annotations

import time
from urllib.parse import urlencode

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from .notices_support import fast_password_hashing, make_staff  # noqa: F401
from .test_console import as_user
from .wechat_side import encrypt

SLOW = 1.0
FUZZ = settings(max_examples=120, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

hostile_text = st.one_of(
    st.text(max_size=300),
    st.sampled_from(["\t" * 30_000, " " * 30_000, "1 " * 15_000, "[" * 5_000, "<a" * 5_000, "- " * 5_000,
                     "*" * 20_000, "\x00" * 100, "²" * 50, "9" * 5_000, "%s%n%x" * 100, "&#x0;" * 1_000]),
)
xml_values = st.one_of(st.text(max_size=200), st.sampled_from(["", "²", "9" * 5000, "-1", "event", "text", "<x/>"]))


def _timed(call):
    """(response, CPU seconds of this thread): the test client runs the request here, and
    thread time leaves out what a shared machine or another test's threads take."""
    started = time.thread_time()
    response = call()
    return response, time.thread_time() - started


def _check(response, elapsed):
    assert response.status_code < 500, response.status_code
    assert elapsed < SLOW, f"{elapsed:.2f} s"


@FUZZ
@given(body=st.binary(max_size=4_000), query=st.dictionaries(
    st.sampled_from(["signature", "timestamp", "nonce", "msg_signature", "encrypt_type", "echostr", "openid"]),
    st.text(max_size=60), max_size=7),
    headers=st.dictionaries(st.sampled_from(["Content-Type", "Content-Encoding", "Transfer-Encoding", "X-Forwarded-For"]),
                            st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126), max_size=40), max_size=3))
def test_wechat_survives_random_requests(client, body, query, headers):
    _check(*_timed(lambda: client.post("/wechat?" + urlencode(query), data=body, headers=headers)))
    _check(*_timed(lambda: client.get("/wechat?" + urlencode(query), headers=headers)))


@FUZZ
@given(fields=st.dictionaries(
    st.sampled_from(["ToUserName", "FromUserName", "CreateTime", "MsgType", "Content", "MsgId", "Event", "EventKey",
                     "Recognition", "PicUrl", "MediaId", "Location_X"]), xml_values, max_size=10))
def test_wechat_survives_correctly_signed_and_sealed_random_messages(client, wechat_side, fields):
    """Past the signature and the decryption: what the server trusts least, the message itself."""
    inner = "<xml>" + "".join(f"<{k}><![CDATA[{v.replace(']]>', '')}]]></{k}>" for k, v in fields.items()) + "</xml>"
    encrypted = encrypt(wechat_side.key, wechat_side.app_id, inner.encode("utf-8", "surrogatepass"))
    body = f"<xml><ToUserName>gh</ToUserName><Encrypt>{encrypted}</Encrypt></xml>".encode()
    query = urlencode(wechat_side.signed_query(encrypted_body=encrypted))
    _check(*_timed(lambda: client.post("/wechat?" + query, data=body)))


@FUZZ
@given(name=hostile_text, password=hostile_text, next_=st.text(max_size=200))
def test_sign_in_survives_hostile_forms(app, name, password, next_):
    client = app.test_client()
    client.get("/console/login")
    with client.session_transaction() as session:
        token = session.get("csrf_token", "")
    response, elapsed = _timed(lambda: client.post("/console/login?" + urlencode({"next": next_}),
                                                   data={"name": name, "password": password, "csrf_token": token}))
    _check(response, elapsed)
    assert response.status_code in (302, 400, 401, 429)


@FUZZ
@given(payload=st.one_of(
    st.fixed_dictionaries({"title": hostile_text, "body": hostile_text},
                          optional={"digest": hostile_text, "author": hostile_text, "private_names": hostile_text}),
    st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=50),
                 lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
                 max_leaves=12)))
def test_the_live_preview_survives_hostile_bodies(app, payload):
    if not hasattr(app, "_fuzz_editor"):
        make_staff(app)
        app._fuzz_editor = as_user(app, "wang")
    editor = app._fuzz_editor
    response, elapsed = _timed(lambda: editor.client.post("/console/preview", json=payload,
                                                          headers={"X-CSRF-Token": editor.token()}))
    _check(response, elapsed)

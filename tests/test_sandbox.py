"""The sandbox chat page: a new user's first conversation, through the real /wechat."""
from __future__ import annotations


def test_sandbox_page_looks_like_a_wechat_conversation(client):
    response = client.get("/sandbox")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "略阳公安" in html
    assert "沙箱模式" in html
    assert "sandbox_openid=o_sandbox_" in response.headers["Set-Cookie"]
    assert client.get("/static/sandbox.js").status_code == 200


def test_typing_a_question_gets_the_accounts_reply(app, client):
    client.get("/sandbox")
    response = client.post("/sandbox/api/send", json={"type": "text", "content": "你好"})
    assert response.status_code == 200
    replies = response.get_json()["replies"]
    assert replies and replies[0]["type"] == "text"
    assert "办事指南" in replies[0]["content"]


def test_the_message_went_through_wechat_signed_and_encrypted(app, client, caplog):
    client.get("/sandbox")
    services = app.extensions["wechat_bot"]
    seen: list[dict] = []
    original = services.router.messages["text"]

    def spy(message, ctx):
        seen.append({"openid": ctx.openid, "content": message.content})
        return original(message, ctx)

    services.router.messages["text"] = spy
    client.post("/sandbox/api/send", json={"type": "text", "content": "護照怎麼辦"})
    assert seen[0]["content"] == "護照怎麼辦"
    assert seen[0]["openid"].startswith("o_sandbox_")


def test_after_chatting_staff_can_answer_within_the_48_hour_window(app, client):
    from wechat_bot.errors import UpstreamError

    client.get("/sandbox")
    openid = client.get_cookie("sandbox_openid").value
    services = app.extensions["wechat_bot"]
    with __import__("pytest").raises(UpstreamError) as info:
        services.gateway.send_text(openid, "您好，您的问题已收到。")
    assert info.value.errcode == 45015  # nobody has written yet: no window
    client.post("/sandbox/api/send", json={"type": "text", "content": "人工"})
    services.gateway.send_text(openid, "您好，您的问题已收到。")  # the real wechatpy client, over loopback
    sent = services.simulator.calls("cgi-bin/message/custom/send")
    assert sent[-1].errcode == 0


def test_subscribe_and_menu_clicks(client):
    client.get("/sandbox")
    welcome = client.post("/sandbox/api/send", json={"type": "subscribe"}).get_json()["replies"]
    assert "欢迎关注" in welcome[0]["content"]
    contact = client.post("/sandbox/api/send", json={"type": "click", "key": "CONTACT"}).get_json()["replies"]
    assert "办公时间" in contact[0]["content"]


def test_sandbox_refuses_without_its_cookie_or_with_bad_input(client):
    assert client.post("/sandbox/api/send", json={"type": "text", "content": "hi"}).status_code == 400
    client.get("/sandbox")
    assert client.post("/sandbox/api/send", json={"type": "text", "content": "  "}).status_code == 400
    assert client.post("/sandbox/api/send", json={"type": "shout"}).status_code == 400
    assert client.post("/sandbox/api/send", data="not json").status_code == 400


def test_links_in_replies_point_at_the_visitors_host(client):
    client.get("/sandbox", base_url="http://192.0.2.10:8000")
    replies = client.post(
        "/sandbox/api/send", json={"type": "text", "content": "护照怎么办"}, base_url="http://192.0.2.10:8000"
    ).get_json()["replies"]
    assert "http://192.0.2.10:8000/g/passport" in replies[0]["content"]


def test_the_citizens_text_arrives_exactly_as_typed(app, client):
    client.get("/sandbox")
    seen: list[str] = []
    services = app.extensions["wechat_bot"]
    services.router.messages["text"] = lambda message, ctx: seen.append(message.content) or "好"
    typed = "人工 <img src=x onerror=alert(1)> & ]]> 结束"
    client.post("/sandbox/api/send", json={"type": "text", "content": typed})
    assert seen == [typed]


def test_non_object_json_is_refused(client):
    client.get("/sandbox")
    assert client.post("/sandbox/api/send", json=[1, 2]).status_code == 400
    assert client.post("/sandbox/api/send", json="x").status_code == 400

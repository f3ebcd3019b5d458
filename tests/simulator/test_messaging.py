"""Custom menu and 客服 messages with their windows (wechat-platform.md §1.5)."""
from __future__ import annotations

from wechat_bot.simulator import Simulator

from .conftest import Api, FakeClock

MENU = {"button": [
    {"type": "click", "name": "办事指南", "key": "GUIDES"},
    {"name": "更多", "sub_button": [
        {"type": "view", "name": "网上报警", "url": "https://example.gov.cn/report"},
        {"type": "click", "name": "联系我们", "key": "CONTACT"}]},
]}


def text(openid: str, content: str = "您好，已收到您的咨询。") -> dict[str, object]:
    return {"touser": openid, "msgtype": "text", "text": {"content": content}}


def test_menu_create_then_get(api: Api) -> None:
    assert api.get("menu/get")["errcode"] == 46003
    assert api.post("menu/create", MENU) == {"errcode": 0, "errmsg": "ok"}
    menu = api.get("menu/get")["menu"]
    assert menu["button"][0] == {**MENU["button"][0], "sub_button": []}
    assert menu["button"][1]["sub_button"] == MENU["button"][1]["sub_button"]
    assert isinstance(menu["menuid"], int)


def test_menu_shape_rules(api: Api) -> None:
    four = {"button": [{"type": "click", "name": f"b{i}", "key": f"k{i}"} for i in range(4)]}
    assert api.post("menu/create", four)["errcode"] == 40016
    long_name = {"button": [{"type": "click", "name": "一二三四五六", "key": "k"}]}
    assert api.post("menu/create", long_name)["errcode"] == 40018  # > 16 bytes
    six_subs = {"button": [{"name": "多", "sub_button": [
        {"type": "click", "name": f"s{i}", "key": f"k{i}"} for i in range(6)]}]}
    assert api.post("menu/create", six_subs)["errcode"] == 40023
    bad_type = {"button": [{"type": "teleport", "name": "x", "key": "k"}]}
    assert api.post("menu/create", bad_type)["errcode"] == 40017
    assert api.post("menu/create", raw=b"{not json")["errcode"] == 47001


def test_custom_send_needs_a_window(api: Api, sim: Simulator) -> None:
    assert api.post("message/custom/send", text("oCitizen"))["errcode"] == 45015
    assert sim.sent_messages() == []


def test_user_message_grants_five_within_48_hours(
        api: Api, sim: Simulator, sim_clock: FakeClock) -> None:
    sim.record_user_message("oCitizen")
    for _ in range(5):
        assert api.post("message/custom/send", text("oCitizen"))["errcode"] == 0
    assert api.post("message/custom/send", text("oCitizen"))["errcode"] == 45047
    assert [m["content"] for m in sim.sent_messages("oCitizen")] == ["您好，已收到您的咨询。"] * 5

    sim_clock.advance(hours=47)
    sim.record_user_message("oCitizen")  # a new message restarts the window
    sim_clock.advance(hours=47)
    assert api.post("message/custom/send", text("oCitizen"))["errcode"] == 0
    sim_clock.advance(hours=2)
    assert api.post("message/custom/send", text("oCitizen"))["errcode"] == 45015


def test_menu_click_and_subscribe_grant_three_per_minute(
        api: Api, sim: Simulator, sim_clock: FakeClock) -> None:
    sim.record_menu_click("oA")
    for _ in range(3):
        assert api.post("message/custom/send", text("oA"))["errcode"] == 0
    assert api.post("message/custom/send", text("oA"))["errcode"] == 45047
    sim.record_subscribe("oB")
    sim_clock.advance(seconds=61)
    assert api.post("message/custom/send", text("oB"))["errcode"] == 45015


def test_text_limits(api: Api, sim: Simulator) -> None:
    sim.record_user_message("oC")
    assert api.post("message/custom/send", text("oC", ""))["errcode"] == 44004
    assert api.post("message/custom/send", text("oC", "字" * 683))["errcode"] == 45002
    assert api.post("message/custom/send", text("oC", "字" * 682))["errcode"] == 0

"""A citizen's question reaches a person, in a real browser: the citizen asks in
/sandbox, then sends 人工; staff see the question in the console inbox and reply;
the reply arrives in the citizen's chat through the simulator's customer-service API."""
from __future__ import annotations

import re

from ..notices_support import PASSWORD, fast_password_hashing, make_staff  # noqa: F401

QUESTION = "身份证丢了在外地能补办吗"
ANSWER = "您好，身份证可在略阳县任一派出所户籍窗口补办，带户口簿即可。"


def say(page, text: str, expect: str) -> None:
    replies = page.locator(".row.bot .bubble", has_text=expect)
    before = replies.count()
    page.fill("#text", text)
    page.press("#text", "Enter")
    replies.nth(before).wait_for()


def test_citizen_asks_staff_reply_in_console_and_it_reaches_the_chat(app, phone, shots, clock):
    make_staff(app)
    citizen = phone
    citizen.goto("/sandbox")
    citizen.locator(".row.bot .bubble", has_text="欢迎关注").wait_for()
    if citizen.locator("#to-keyboard").is_visible():
        citizen.click("#to-keyboard")
    say(citizen, QUESTION, "身份证")
    say(citizen, "人工", "已收到您的留言")
    shots(citizen, "citizen-asks")

    staff = citizen.context.new_page()
    staff.goto("/console/login")
    staff.fill("input[name=name]", "li")
    staff.fill("input[name=password]", PASSWORD)
    staff.click("button[type=submit]")
    staff.wait_for_url("**/console/")
    assert "待办理 1 条" in staff.inner_text("#consultations-due")
    staff.click("nav >> text=留言")
    inbox = staff.locator("#inbox li")
    assert inbox.count() == 1 and QUESTION in inbox.first.inner_text()
    shots(staff, "inbox")
    inbox.first.locator("a").click()
    staff.wait_for_url(re.compile(r".*/console/consultations/\d+$"))
    messages = staff.locator("#messages li")
    assert QUESTION in messages.nth(0).inner_text() and "人工" in messages.nth(1).inner_text()
    staff.fill("#reply-text", ANSWER)
    staff.click("button:has-text('发送答复')")
    staff.locator(".flash.ok").wait_for()
    assert "已办结" in staff.inner_text(".head-row")
    shots(staff, "answered")

    citizen.bring_to_front()
    citizen.locator(".row.bot .bubble", has_text=ANSWER).wait_for()
    shots(citizen, "reply-arrives")

    # A second question is left for over 48 hours: WeChat's window has closed, the
    # console says so, refuses nothing silently, and records the answer given by phone.
    say(citizen, "人工：我的驾驶证扣分有误", "已收到您的留言")
    clock.advance(hours=49)
    staff.goto("/console/consultations")
    staff.locator("#inbox li", has_text="我的驾驶证扣分有误").locator("a").click()
    assert "微信回复时限已过" in staff.inner_text("#window")
    assert staff.locator("#reply-text").count() == 0
    staff.select_option("#via", "电话")
    staff.fill("#record-text", "已电话联系，请到交警大队核实扣分记录。")
    staff.click("button:has-text('登记答复')")
    staff.locator(".flash.ok").wait_for()
    assert "方式：电话" in staff.inner_text(".facts")
    shots(staff, "recorded-by-phone")
    staff.close()

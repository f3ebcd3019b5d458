"""What a citizen sees on a phone: the guide pages and the sandbox chat."""
from __future__ import annotations

from playwright.sync_api import expect

from wechat_bot.services.guides import Catalogue

from .test_review_journey import fits_the_phone


def test_every_guide_page_is_readable_on_a_375px_screen(phone, shots):
    for guide in Catalogue.load().all():
        phone.goto(f"/g/{guide.id}")
        assert phone.locator("h1").inner_text() == guide.title
        assert fits_the_phone(phone), f"/g/{guide.id} is wider than the screen"
        size = phone.evaluate("parseFloat(getComputedStyle(document.querySelector('main p, main li')).fontSize)")
        assert size >= 14, f"/g/{guide.id}: text too small to read ({size}px)"
    shots(phone, "guide-page")
    phone.goto("/g/")
    assert fits_the_phone(phone)
    shots(phone, "guide-index")


def test_sandbox_conversation_with_menu(phone, shots):
    phone.goto("/sandbox")
    phone.locator(".row.bot .bubble", has_text="欢迎关注").wait_for()
    assert fits_the_phone(phone)
    # The custom menu: 办事指南 → 出入境 lists its guides.
    phone.get_by_role("button", name="办事指南").click()
    phone.get_by_role("button", name="出入境").click()
    listing = phone.locator(".row.bot .bubble", has_text="出入境办事指南")
    listing.wait_for()
    first = next(line for line in listing.inner_text().splitlines() if line.startswith("1. "))[3:]
    # Switch to the keyboard and pick the first guide by number.
    phone.locator("#to-keyboard").click()
    phone.fill("#text", "1")
    phone.press("#text", "Enter")
    phone.locator(".row.bot .bubble", has_text=f"【{first}】").wait_for()
    phone.fill("#text", "有人抢劫")
    phone.press("#text", "Enter")
    last = phone.locator(".row.bot .bubble").last
    last.wait_for()
    expect(phone.locator(".typing")).to_have_count(0)  # no eval: the page's CSP forbids it
    assert phone.locator(".row.bot .bubble").last.inner_text().startswith("110")
    shots(phone, "sandbox")

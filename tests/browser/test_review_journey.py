"""The staff's real journey in a real browser, on a phone-sized screen:
editor writes a notice with an ID number and submits it; a reviewer sees the
finding, cannot approve, masks it, approves; the author cannot approve their
own notice; a second reviewer gives the final approval; it shows as scheduled."""
from __future__ import annotations

import re

from ..notices_support import (  # noqa: F401
    PASSWORD,
    fake_id_number,
    fast_password_hashing,
    make_staff,
)

ID = fake_id_number()
BODY = (
    "## 案情通报\n\n"
    "11月20日，我局接到群众报警称，有人冒充公检法机关工作人员，以涉嫌洗钱为由要求其转账。\n\n"
    f"报警人身份证号 {ID}。\n\n"
    "**警方提示**：公检法机关不会通过电话要求转账。"
)


def fits_the_phone(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def sign_in(page, shots, name: str, shot: str | None = None) -> None:
    page.goto("/console/login")
    page.fill("input[name=name]", name)
    page.fill("input[name=password]", PASSWORD)
    if shot:
        shots(page, shot)
    page.click("button[type=submit]")
    page.wait_for_url("**/console/")


def sign_out(page) -> None:
    page.click(".who button")
    page.wait_for_url("**/console/login")


def test_editor_submits_reviewer_masks_and_approves_notice_is_scheduled(app, phone, shots):
    make_staff(app)
    page = phone

    # 1. The editor signs in and writes a notice containing an ID number.
    sign_in(page, shots, "wang", "login")
    shots(page, "dashboard")
    assert fits_the_phone(page)
    page.click("text=稿件")
    page.click("text=写新稿件")
    page.fill("#title", "略阳警方通报一起电诈案")
    page.select_option("#category", "incident")
    page.fill("#body", BODY)
    page.fill("#scheduled", "2026-11-26T09:00")
    mark = page.locator("#pv-body mark.finding")
    mark.wait_for()
    assert mark.inner_text() == ID
    assert "身份证号" in page.locator("#findings").inner_text()
    assert page.locator("#pv-title").inner_text() == "略阳警方通报一起电诈案"
    assert page.locator("#pv-body h2").inner_text() == "案情通报"
    shots(page, "editor-live-preview")
    assert fits_the_phone(page)
    page.click("button[value=submit]")
    page.wait_for_url(re.compile(r".*/console/notices/\d+$"))
    notice_path = page.url.split(page.url.split("/console")[0])[1]
    assert "审核中" in page.locator(".badge").inner_text()
    assert "隐私与保密检查发现 1 处问题" in page.inner_text(".flash")
    shots(page, "submitted")
    sign_out(page)

    # 2. A reviewer sees the finding and cannot approve until the mask is applied.
    sign_in(page, shots, "li")
    page.click("text=审核")
    shots(page, "review-queue")
    page.click("text=略阳警方通报一起电诈案")
    assert ID in page.inner_text(".findings")
    approve = page.locator("#approve-form button[type=submit]")
    assert approve.is_disabled()
    shots(page, "review-finding-blocks-approval")
    assert fits_the_phone(page)
    page.click("#apply-masks")
    assert "已脱敏 1 处" in page.inner_text(".flash")
    assert ID not in page.inner_text("main")
    assert "610***********" in page.inner_text(".wx-body")
    shots(page, "masked")
    page.fill("#approve-form input[name=comment]", "已脱敏，同意")
    page.click("#approve-form button[type=submit]")
    assert "等待“审发”" in page.inner_text(".flash")
    shots(page, "first-step-approved")
    sign_out(page)

    # 3. The author cannot approve their own notice.
    sign_in(page, shots, "wang")
    page.goto(notice_path.replace("/notices/", "/review/"))
    assert "不能审核自己撰写或修改过的稿件" in page.inner_text("#refusal")
    assert page.locator("#approve-form").count() == 0
    shots(page, "author-cannot-approve")
    sign_out(page)

    # 4. A second reviewer gives the final approval: the notice is scheduled, shown in local time.
    sign_in(page, shots, "chen")
    page.goto(notice_path.replace("/notices/", "/review/"))
    page.click("#approve-form button[type=submit]")
    assert "已通过全部审核，定于 2026-11-26 09:00 发布" in page.inner_text(".flash")
    page.goto(notice_path)
    assert "已通过（待发布）" in page.inner_text(".badge")
    assert page.inner_text("#scheduled") == "2026-11-26 09:00（北京时间）"
    trail = page.inner_text(".trail")
    for line in ("王编辑 提交审核", "李审核 一键脱敏：身份证号 1 处（正文）", "李审核 通过“初审”", "陈审核 通过“审发”"):
        assert line in trail, line
    shots(page, "scheduled")
    page.goto("/console/")
    assert "略阳警方通报一起电诈案" in page.inner_text("main")
    shots(page, "dashboard-upcoming")
    assert fits_the_phone(page)

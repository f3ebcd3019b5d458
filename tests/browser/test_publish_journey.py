"""Approve in the console → the publishing job runs (injected clock) → the notice page says
已发布 with the article link → a follower in /sandbox sees the pushed card and opens the article."""
from __future__ import annotations

from ..notices_support import fast_password_hashing, make_staff  # noqa: F401
from ..publishing_support import sweep
from .test_review_journey import sign_in, sign_out


def write_and_submit(app, users) -> int:
    from wechat_bot.db import get_session
    from wechat_bot.services.notices import NoticeWorkflow

    services = app.extensions["wechat_bot"]
    with app.app_context():
        session = get_session()
        flow = NoticeWorkflow.from_settings(session, services.settings, services.clock)
        author = session.merge(users["wang"])
        notice = flow.create(author, title="关于开展冬季道路交通安全宣传的通告", category="announcement",
                             body="雨雪天气道路湿滑，请广大驾驶人减速慢行、保持车距。")
        flow.submit(author, notice)
        return notice.id


def test_approved_notice_is_published_and_reaches_the_sandbox(app, phone, shots):
    users = make_staff(app)
    notice_id = write_and_submit(app, users)
    page = phone

    for reviewer in ("li", "chen"):
        sign_in(page, shots, reviewer)
        page.goto(f"/console/review/{notice_id}")
        page.click("#approve-form button[type=submit]")
        sign_out(page)
    sign_in(page, shots, "zhao")
    page.goto(f"/console/notices/{notice_id}")
    assert "已通过（待发布）" in page.inner_text(".badge")
    assert "下一次定时检查" in page.inner_text("#publish-state")
    shots(page, "approved")

    report = sweep(app)  # the scheduler's publishing job, with the injected clock
    assert report.published == [notice_id]
    app.extensions["wechat_bot"].simulator.complete_jobs()  # WeChat finishes the mass send

    page.goto(f"/console/notices/{notice_id}")
    assert "已发布" in page.inner_text(".badge")
    link = page.locator("#article-link")
    assert link.get_attribute("href").startswith("http://mp.weixin.qq.com/s?")
    assert "送达 1000 人" in page.inner_text("#publishing")
    shots(page, "published")

    # The post log counts it once, as a WeChat post with its link, for the annual report.
    page.goto("/console/posts?channel=wechat")
    row = page.locator("ul.posts li", has_text="关于开展冬季道路交通安全宣传的通告")
    assert row.count() == 1
    assert row.locator("a").first.get_attribute("href").startswith("http://mp.weixin.qq.com/s?")
    assert f"稿件 #{notice_id}" in row.inner_text()
    shots(page, "post-log")

    page.goto("/sandbox")
    card = page.locator(".push-card .push-article.lead")
    card.wait_for()
    assert card.inner_text() == "关于开展冬季道路交通安全宣传的通告"
    shots(page, "sandbox-card")
    page.goto(card.get_attribute("href"))
    assert page.inner_text("#article-title") == "关于开展冬季道路交通安全宣传的通告"
    assert "减速慢行" in page.inner_text(".content")
    shots(page, "article-page")

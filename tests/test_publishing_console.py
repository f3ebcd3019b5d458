"""The console tells the truth about publishing: notice page, dashboard, 立即发布 / 重试 (admins, CSRF)."""
from __future__ import annotations

import re
from datetime import timedelta

from schedules.jobs import heartbeat

from .notices_support import fast_password_hashing  # noqa: F401
from .publishing_support import add_approved, notice_states, sweep
from .test_console import as_user, staff  # noqa: F401


def plain(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", html))


def sim(app):
    services = app.extensions["wechat_bot"]
    services.gateway  # noqa: B018
    return services.simulator


def test_notice_page_shows_published_with_the_article_link(app, clock, staff):
    notice = add_approved(app, "已发布的通报", clock.now)
    sweep(app)
    sim(app).complete_jobs()
    page = as_user(app, "wang").text(f"/console/notices/{notice}")
    assert "已发布" in plain(page)
    link = re.search(r'id="article-link" href="([^"]+)"', page).group(1)
    assert link.startswith("http://mp.weixin.qq.com/s?")
    assert "送达 1000 人" in plain(page)


def test_notice_page_shows_the_failure_reason_and_admin_retry(app, clock, staff):
    notice = add_approved(app, "会失败的通报", clock.now)
    sim(app).inject("draft/add", 45166, times=1)
    sweep(app)
    editor_page = as_user(app, "wang").text(f"/console/notices/{notice}")
    assert "不支持的内容" in plain(editor_page) and "retry-publish" not in editor_page  # editors cannot retry
    admin = as_user(app, "zhao")
    assert 'id="retry-publish"' in admin.text(f"/console/notices/{notice}")
    assert admin.client.post(f"/console/notices/{notice}/retry_publish").status_code == 400  # no CSRF token
    assert notice_states(app)[notice] == "failed"
    admin.post(f"/console/notices/{notice}/retry_publish")
    assert notice_states(app)[notice] == "published"


def test_admin_publishes_an_approved_notice_now(app, clock, staff):
    notice = add_approved(app, "明天的通报", clock.now + timedelta(days=1))
    page = as_user(app, "wang").text(f"/console/notices/{notice}")
    assert "后的下一次定时检查时自动发出" in plain(page) and "publish-now" not in page
    assert as_user(app, "li").post(f"/console/notices/{notice}/publish_now").status_code == 403
    assert notice_states(app)[notice] == "approved"
    admin = as_user(app, "zhao")
    admin.post(f"/console/notices/{notice}/publish_now")
    assert notice_states(app)[notice] == "published"
    assert len(sim(app).published_articles()) == 1


def test_dashboard_overdue_next_slot_heartbeat_and_quiet_days_from_the_post_log(app, clock, staff):
    console = as_user(app, "zhao")
    page = plain(console.text("/console/"))
    assert "还没有发布过稿件" in page and "定时任务没有在运行" in page and "从未收到心跳" in page
    first = add_approved(app, "今天第一篇", clock.now)
    sweep(app)
    clock.advance(hours=1)
    second = add_approved(app, "今天第二篇", clock.now)
    heartbeat(app)
    html = console.text("/console/")
    page = plain(html)
    assert "定时任务没有在运行" not in page and "定时任务正常" in page
    assert "距公众号上次发文 0 天" in page
    assert re.search(r'id="overdue".*今天第二篇', html, re.S)
    assert "下一个可群发时段：2026-11-26 00:00" in page  # 订阅号: tomorrow, local midnight
    clock.advance(minutes=3)  # the scheduler went quiet
    assert "已超过 2 分钟" in plain(console.text("/console/"))
    assert notice_states(app)[first] == "published" and notice_states(app)[second] == "approved"
    clock.advance(days=11)
    heartbeat(app)
    assert "公众号已经 11 天没有发文" in plain(console.text("/console/"))

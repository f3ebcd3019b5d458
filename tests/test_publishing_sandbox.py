"""Sandbox mode: a published notice reaches /sandbox as a pushed card, 最新发布 lists the post log
with links, the simulator's article page opens; `publish due` works with no server running."""
from __future__ import annotations

import html
import re
from datetime import timedelta

from wechat_bot.cli import AppHolder, main

from .publishing_support import add_approved, notice_states, sweep


def sim(app):
    services = app.extensions["wechat_bot"]
    services.gateway  # noqa: B018
    return services.simulator


def test_published_notice_is_a_pushed_card_and_its_article_page_opens(app, client, clock):
    add_approved(app, "关于冬季交通安全的提示", clock.now, body="雨雪天气请减速慢行。")
    sweep(app)
    assert "关于冬季交通安全的提示" not in client.get("/sandbox").get_data(as_text=True)  # job still sending
    sim(app).complete_jobs()
    page = client.get("/sandbox").get_data(as_text=True)
    href = html.unescape(re.search(r'class="push-article lead" href="([^"]+)"[^>]*>关于冬季交通安全的提示<', page).group(1))
    assert href.startswith("/sandbox/s?") and "mid=" in href
    article = client.get(href)
    assert article.status_code == 200
    assert "雨雪天气请减速慢行。" in article.get_data(as_text=True)
    assert client.get("/sandbox/api/pushes").get_json()["cards"][0]["articles"][0]["href"] == href
    assert client.get("/sandbox/s?mid=1&idx=9").status_code == 404


def test_menu_latest_lists_the_post_log_with_links(app, client, clock, wechat, wechat_side):
    add_approved(app, "第一篇", clock.now)
    sweep(app)
    sim(app).complete_jobs()
    clock.advance(days=1)
    add_approved(app, "第二篇", clock.now)
    sweep(app)
    sim(app).complete_jobs()
    reply = wechat.send(wechat_side.event("CLICK", EventKey="NEWS_LATEST"))["Content"]
    lines = reply.splitlines()
    assert lines[0] == "【最新发布】" and "11月26日 第二篇" in lines[1] and "11月25日 第一篇" in lines[3]
    link = lines[2]
    assert "/sandbox/s?" in link
    assert "第二篇" in client.get(link[link.index("/sandbox/"):]).get_data(as_text=True)


def test_publish_due_command_runs_one_sweep(app, runner, clock):
    notice = add_approved(app, "命令行发布", clock.now - timedelta(minutes=1))
    result = runner.invoke(main, ["publish", "due"], obj=AppHolder(None, app=app))
    assert result.exit_code == 0, result.output
    assert "内置微信接口模拟器（沙箱模式）：发布 1 篇（1 条消息）" in result.output
    assert notice_states(app)[notice] == "published"
    again = runner.invoke(main, ["publish", "due"], obj=AppHolder(None, app=app))
    assert "发布 0 篇" in again.output and len(sim(app).published_articles()) == 1


def test_inactivity_guard_warns_after_ten_quiet_days(app, clock, caplog):
    from schedules.jobs import inactivity_guard

    add_approved(app, "很久以前", clock.now)
    sweep(app)
    clock.advance(days=9)
    assert inactivity_guard(app).level == "ok"
    clock.advance(days=1)
    with caplog.at_level("WARNING"):
        result = inactivity_guard(app)
    assert result.level == "warn" and result.days == 10
    assert "已经 10 天没有发文" in caplog.text

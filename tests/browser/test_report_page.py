"""The report page in a real browser: the monthly chart is an SVG drawn on the server,
visible with no script and nothing fetched from outside; the post log shows the totals."""
from __future__ import annotations

from pathlib import Path

from wechat_bot.cli import AppHolder, main

from ..notices_support import fast_password_hashing, make_staff  # noqa: F401
from .test_review_journey import fits_the_phone, sign_in

FIXTURE = Path(__file__).parents[1] / "fixtures" / "posts-2019.csv"


def test_report_page_shows_the_svg_chart_of_posts_per_month(app, browser, live_server, shots):
    make_staff(app)
    result = app.test_cli_runner().invoke(main, ["posts", "import", str(FIXTURE)], obj=AppHolder(None, app=app))
    assert result.exit_code == 0, result.output
    # JavaScript off: the chart must not need a script to be seen.
    context = browser.new_context(viewport={"width": 375, "height": 812}, locale="zh-CN", timezone_id="Asia/Shanghai",
                                  base_url=live_server, java_script_enabled=False)
    context.set_default_timeout(5000)
    outside: list[str] = []
    context.route("**/*", lambda route: route.continue_() if route.request.url.startswith(live_server)
                  else (outside.append(route.request.url), route.abort()))
    page = context.new_page()
    try:
        sign_in(page, shots, "li")
        page.click("nav >> text=年度统计")
        page.fill("input[name=year]", "2019")
        page.click("text=查看")
        page.wait_for_url("**/console/reports?year=2019")
        chart = page.locator("figure.chart-box svg")
        chart.wait_for(state="visible")
        box = chart.bounding_box()
        assert box and box["width"] > 300 and box["height"] > 150
        assert page.locator("figure.chart-box svg rect.bar").count() >= 33
        assert chart.locator("title").first.text_content() == "2019年每月发布数量（按渠道）"
        assert page.locator("#report-total").inner_text() == "2758"
        assert fits_the_phone(page)
        shots(page, "report-2019")
        page.click("text=查看逐条发布记录")
        page.wait_for_url("**/console/posts?year=2019")
        assert page.locator("#year-total").inner_text() == "2758"
        shots(page, "post-log-2019")
    finally:
        context.close()
    assert outside == []

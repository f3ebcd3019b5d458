"""The post-log page, the add-a-post form and the report page through the Flask test client."""
from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from wechat_bot.cli import AppHolder, main
from wechat_bot.db import get_session
from wechat_bot.models import Post

from .notices_support import fast_password_hashing, make_staff  # noqa: F401
from .test_console import Console

FIXTURE = Path(__file__).parent / "fixtures" / "posts-2019.csv"


@pytest.fixture
def staff(app):
    return make_staff(app)


@pytest.fixture
def seeded(app, runner):
    result = runner.invoke(main, ["posts", "import", str(FIXTURE)], obj=AppHolder(None, app=app))
    assert result.exit_code == 0, result.output


def signed_in(app, name: str) -> Console:
    console = Console(app.test_client())
    assert console.login(name).status_code == 302
    return console


FORM = {"channel": "website", "category": "department_document", "published_at": "2019-12-31T23:30",
        "title": "关于做好元旦期间安全防范工作的通知", "url": "https://www.lueyang.gov.cn/info/9", "external_id": ""}


def logged(app) -> list[Post]:
    with app.app_context():
        return list(get_session().scalars(select(Post)))


def test_pages_need_a_signed_in_user(client):
    for url in ("/console/posts", "/console/reports", "/console/reports/2019.json"):
        response = client.get(url)
        assert response.status_code == 302 and "/console/login" in response.headers["Location"]


def test_post_log_filters_searches_and_shows_totals(app, staff, seeded):
    console = signed_in(app, "li")
    page = console.text("/console/posts?year=2019")
    assert '<b id="year-total">2758</b>' in page
    assert "政府信息公开网站</span><b>49</b>" in page and "阳光警务执法办案公开系统</span><b>2593</b>" in page
    assert 'href="/console/posts"' in page and 'href="/console/reports"' in page  # nav links
    website = console.text("/console/posts?year=2019&channel=website&category=overview")
    assert '<b id="matched">3</b>' in website and website.count("机构概况（") == 3
    # search by title, in Traditional Chinese too; totals follow the search
    found = console.text("/console/posts?year=2019&q=應急預案")
    assert '<b id="matched">1</b>' in found and "应急预案（1）" in found
    # a year in Beijing time: the edge rows of the fixture land in 2018 and 2020
    assert "2020年第一条" in console.text("/console/posts?year=2020")
    assert "2018年最后一条" in console.text("/console/posts?year=2018")
    # pages of 100
    second = console.text("/console/posts?year=2019&channel=sunshine_police&page=2")
    assert "第 2 / 26 页" in second
    bad = console.text("/console/posts?year=2019&channel=电视台")
    assert "未知的渠道“电视台”" in bad


def test_an_editor_logs_a_post_on_another_channel_once(app, staff):
    console = signed_in(app, "wang")
    assert 'name="csrf_token"' in console.text("/console/posts")
    response = console.post("/console/posts", FORM)
    assert response.status_code == 302 and "year=2019" in response.headers["Location"]
    page = console.text(response.headers["Location"])
    assert "已记录：政府信息公开网站 2019-12-31 23:30《关于做好元旦期间安全防范工作的通知》" in page
    again = console.post("/console/posts", FORM)
    assert "此前已有" in console.text(again.headers["Location"])
    rows = logged(app)
    assert len(rows) == 1
    assert (rows[0].source, rows[0].created_by, rows[0].local_year) == ("console", "wang", 2019)


def test_the_form_accepts_chinese_labels_and_refuses_bad_input_writing_nothing(app, staff):
    console = signed_in(app, "wang")
    ok = console.post("/console/posts", {**FORM, "channel": "微博", "category": "警方動態", "title": "微博一条"})
    assert ok.status_code == 302
    bad = console.post("/console/posts", {**FORM, "title": "", "published_at": "2019-02-30T10:00"})
    assert bad.status_code == 400
    assert "时间格式不正确" in bad.get_data(as_text=True)
    bad_url = console.post("/console/posts", {**FORM, "url": "javascript:alert(1)"})
    assert bad_url.status_code == 400 and "链接应以 http:// 或 https:// 开头" in bad_url.get_data(as_text=True)
    assert [(p.channel, p.category) for p in logged(app)] == [("weibo", "police_news")]


def test_the_form_needs_csrf_and_the_editor_role(app, staff):
    editor = signed_in(app, "wang")
    no_token = editor.client.post("/console/posts", data=FORM)
    assert no_token.status_code == 400
    reviewer = signed_in(app, "li")
    assert reviewer.post("/console/posts", FORM).status_code == 403
    assert "记录一条其他渠道的发布" not in reviewer.text("/console/posts")
    assert logged(app) == []


def test_report_page_shows_tables_chart_summary_and_downloads(app, staff, seeded):
    console = signed_in(app, "li")
    page = console.text("/console/reports?year=2019")
    assert '<b id="report-total">2758</b>' in page
    svg = re.search(r"<svg .*?</svg>", page, re.S).group()
    assert 'role="img"' in svg and "2019年每月发布数量（按渠道）" in svg
    assert svg.count('class="bar"') >= 12 * 3 - 3  # three channels in (nearly) every month
    assert "<script" not in page
    assert "主动公开信息49条（其中：概况信息3条，部门文件41条，财政预决算及三公经费4条，应急预案1条）" in page
    assert "公开行政处罚115条、各类警情2478条" in page
    for fmt in ("json", "csv", "xlsx", "md"):
        assert f'href="/console/reports/2019.{fmt}"' in page
    data = console.get("/console/reports/2019.json")
    assert data.status_code == 200 and "attachment" in data.headers["Content-Disposition"]
    assert json.loads(data.data)["total"] == 2758
    csv_file = console.get("/console/reports/2019.csv")
    assert csv_file.data.startswith(b"\xef\xbb\xbf") and b"by_channel,website" in csv_file.data
    book = load_workbook(io.BytesIO(console.get("/console/reports/2019.xlsx").data))
    assert "按月份" in book.sheetnames
    assert "通过“略阳公安”微信公众号公开发布116条" in console.get("/console/reports/2019.md").get_data(as_text=True)


def test_report_page_defaults_to_this_year_and_refuses_bad_years(app, staff):
    console = signed_in(app, "wang")
    page = console.text("/console/reports")
    assert "2026年统计" in page and "本年没有发布记录" in page  # the test clock says 2026
    assert console.get("/console/reports?year=abc").status_code == 400
    assert "年份应在 2000—2099 之间" in console.get("/console/reports?year=1990").get_data(as_text=True)
    assert console.get("/console/reports/1990.json").status_code == 400

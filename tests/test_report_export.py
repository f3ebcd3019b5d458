"""`report export` as CONTRACT §6: the 2019 report's figures from an imported fixture, counted in
the bureau's local year, in json, csv, xlsx and md (with the report's summary paragraph)."""
from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from openpyxl import load_workbook

from wechat_bot.cli import AppHolder, main
from wechat_bot.db import get_session
from wechat_bot.models import Consultation

FIXTURE = Path(__file__).parent / "fixtures" / "posts-2019.csv"
HEADER = "published_at,channel,category,title,url,external_id\n"


@pytest.fixture
def cli(app, runner):
    def invoke(*args: str):
        return runner.invoke(main, list(args), obj=AppHolder(None, app=app))

    return invoke


@pytest.fixture
def seeded(cli):
    result = cli("posts", "import", str(FIXTURE))
    assert result.exit_code == 0, result.output
    assert "已导入 2760 条新记录" in result.stdout  # 2,758 in 2019 + one each side of the year


def export(cli, year: int, fmt: str) -> str:
    result = cli("report", "export", "--year", str(year), "--format", fmt)
    assert result.exit_code == 0, result.output
    return result.stdout


def test_json_reproduces_the_2019_report(cli, seeded):
    figures = json.loads(export(cli, 2019, "json"))
    assert list(figures) == ["year", "timezone", "total", "by_channel", "by_category", "by_channel_category",
                             "by_month", "consultations"]
    assert figures["year"] == 2019 and figures["timezone"] == "Asia/Shanghai"
    assert figures["total"] == 2758
    assert figures["by_channel"] == {"wechat": 116, "website": 49, "sunshine_police": 2593}
    assert figures["by_channel_category"]["website"] == {
        "overview": 3, "department_document": 41, "budget": 4, "emergency_plan": 1}
    assert figures["by_channel_category"]["sunshine_police"] == {"penalty": 115, "incident": 2478}
    assert sum(figures["by_channel_category"]["wechat"].values()) == 116
    assert figures["by_category"]["incident"] == 2478 and figures["by_category"]["penalty"] == 115
    assert list(figures["by_month"]) == [f"{m:02d}" for m in range(1, 13)]
    assert sum(figures["by_month"].values()) == 2758
    assert figures["consultations"] == {"received": 0, "answered": 0, "avg_response_hours": None}


def test_md_states_the_figures_in_the_reports_form(cli, seeded):
    md = export(cli, 2019, "md")
    assert ("通过县政府信息公开网站，主动公开信息49条（其中：概况信息3条，部门文件41条，"
            "财政预决算及三公经费4条，应急预案1条）") in md
    assert "通过阳光警务执法办案公开系统，公开行政处罚115条、各类警情2478条" in md
    assert "通过“略阳公安”微信公众号公开发布116条" in md
    assert "全年各渠道共公开信息2758条" in md
    assert "“略阳公安”微信公众号全年信息发布总数116条，其中原创0条" in md
    assert "留言办理：收到留言0条，办结0条" in md
    assert "| 阳光警务执法办案公开系统 | 2593 |" in md and "| 合计 | 2758 |" in md


def test_csv_has_every_table(cli, seeded):
    rows = list(csv.DictReader(io.StringIO(export(cli, 2019, "csv"))))
    def value(section, **keys):
        found = [r["value"] for r in rows if r["section"] == section and all(r[k] == v for k, v in keys.items())]
        assert len(found) == 1, (section, keys)
        return found[0]
    assert value("total") == "2758"
    assert value("by_channel", channel="website") == "49"
    assert value("by_category", category="incident") == "2478"
    assert value("by_channel_category", channel="website", category="budget") == "4"
    assert sum(int(r["value"]) for r in rows if r["section"] == "by_month") == 2758
    assert value("consultations", item="received") == "0"
    assert value("consultations", item="avg_response_hours") == ""


def test_xlsx_opens_with_sheets_chinese_headings_and_a_chart(cli, seeded, tmp_path):
    out = tmp_path / "report.xlsx"
    result = cli("report", "export", "--year", "2019", "--format", "xlsx", "--out", str(out))
    assert result.exit_code == 0, result.output
    book = load_workbook(out)
    assert book.sheetnames == ["概况", "按渠道", "按栏目", "渠道×栏目", "按月份", "政务新媒体", "留言办理"]
    channels = {row[0]: row[1] for row in book["按渠道"].iter_rows(min_row=2, values_only=True)}
    assert channels == {"微信公众号": 116, "政府信息公开网站": 49, "阳光警务执法办案公开系统": 2593, "合计": 2758}
    months = book["按月份"]
    assert [c.value for c in months[1]] == ["月份", "微信公众号", "政府信息公开网站", "阳光警务执法办案公开系统", "合计"]
    assert sum(row[-1] for row in months.iter_rows(min_row=2, values_only=True)) == 2758
    assert len(months._charts) == 1  # openpyxl keeps charts it reads back
    assert "发布" in str(months._charts[0].title.tx.rich.p[0].r[0].t)


def test_md_and_json_to_a_file(cli, seeded, tmp_path):
    out = tmp_path / "r.md"
    result = cli("report", "export", "--year", "2019", "--format", "md", "--out", str(out))
    assert result.exit_code == 0 and "共 2758 条" in result.stderr
    assert "主动公开信息49条" in out.read_text(encoding="utf-8")


def test_year_is_counted_in_beijing_time(app, cli, tmp_path):
    path = tmp_path / "edge.csv"
    path.write_text(HEADER
                    + "2020-01-01T00:10+08:00,wechat,police_news,新年第一条,,\n"  # UTC: 2019-12-31 16:10
                    + "2019-12-31T23:50,website,overview,旧年最后一条,,\n"
                    + "2019-03-31T23:30,website,overview,三月最后,,\n"  # UTC 15:30 on the 31st
                    + "2019-03-31T16:30:00Z,website,overview,四月最早,,\n",  # Beijing: 1 April 00:30
                    encoding="utf-8")
    assert cli("posts", "import", str(path)).exit_code == 0
    y2019 = json.loads(export(cli, 2019, "json"))
    y2020 = json.loads(export(cli, 2020, "json"))
    assert y2019["total"] == 3 and y2019["by_channel"] == {"website": 3}
    assert (y2019["by_month"]["03"], y2019["by_month"]["04"], y2019["by_month"]["12"]) == (1, 1, 1)
    assert y2020["total"] == 1 and y2020["by_month"]["01"] == 1 and y2020["by_channel"] == {"wechat": 1}


def test_consultations_are_counted_in_the_local_year(app, cli):
    start = datetime(2019, 12, 31, 16, 30, tzinfo=UTC)  # 2020-01-01 00:30 Beijing
    with app.app_context():
        session = get_session()
        session.add_all([
            Consultation(openid=None, text="", status="answered", created_at=start, answered_at=start + timedelta(hours=4)),
            Consultation(openid=None, text="", status="answered", created_at=start + timedelta(days=3),
                         answered_at=start + timedelta(days=3, hours=9)),
            Consultation(openid=None, text="", status="open", created_at=start + timedelta(days=5)),
            Consultation(openid=None, text="", status="answered", created_at=start - timedelta(hours=1),  # 2019 in Beijing
                         answered_at=start + timedelta(hours=30)),
        ])
        session.commit()
    y2020 = json.loads(export(cli, 2020, "json"))
    assert y2020["consultations"] == {"received": 3, "answered": 2, "avg_response_hours": 6.5}
    assert json.loads(export(cli, 2019, "json"))["consultations"] == {"received": 1, "answered": 1, "avg_response_hours": 31.0}
    md = export(cli, 2020, "md")
    assert "留言办理：收到留言3条，办结2条，平均办理时间6.5小时（约0.3天）" in md


def test_bad_year_and_format_are_refused(cli):
    refused = cli("report", "export", "--year", "1999", "--format", "json")
    assert refused.exit_code == 1 and "年份应在 2000—2099 之间" in refused.stderr
    usage = cli("report", "export", "--year", "2019", "--format", "pdf")
    assert usage.exit_code == 2


def test_an_empty_year_still_renders_every_format(cli, tmp_path):
    figures = json.loads(export(cli, 2021, "json"))
    assert figures["total"] == 0 and figures["by_channel"] == {} and sum(figures["by_month"].values()) == 0
    assert "2021年，发布记录中没有任何渠道的发布记录。" in export(cli, 2021, "md")
    out = tmp_path / "empty.xlsx"
    assert cli("report", "export", "--year", "2021", "--format", "xlsx", "--out", str(out)).exit_code == 0
    assert len(load_workbook(out)["按月份"]._charts) == 1

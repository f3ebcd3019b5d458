"""The annual report as json, csv and md (xlsx: report_xlsx.py; the console's chart: report_chart.py).

``md`` holds the tables and a draft of the summary paragraph in the form the bureau's annual
government-information-disclosure report uses (see the 2019 report): per channel, with the
per-category breakdown, then the 政务新媒体 figures (信息发布总数, 原创数, 留言办理).
"""
from __future__ import annotations

import csv
import io
import json

from ..models.post import CHANNELS
from .notice_content import CATEGORIES
from .reports import MONTHS, AnnualReport

# The order the report's paragraph names the channels in (the 2019 report's order).
PARAGRAPH_ORDER = ("website", "sunshine_police", "wechat", "weibo", "other")
# How the sunshine-police sentence names a category ("公开行政处罚115条、各类警情2478条").
ITEM_NAMES = {"incident": "各类警情"}
CONSULTATION_LABELS = {"received": "收到留言", "answered": "办结留言", "avg_response_hours": "平均办理时间（小时）"}


def channel_name(code: str) -> str:
    return CHANNELS.get(code, code)


def category_name(code: str) -> str:
    return CATEGORIES.get(code, code)


def to_json(report: AnnualReport) -> str:
    return json.dumps(report.as_json(), ensure_ascii=False, indent=2) + "\n"


def csv_rows(report: AnnualReport) -> list[list]:
    """One long table: section, channel, category, month, item, label (Chinese), value."""
    rows: list[list] = [["section", "channel", "category", "month", "item", "label", "value"]]
    rows.append(["total", "", "", "", "", f"{report.year}年合计", report.total])
    for ch, n in report.by_channel.items():
        rows.append(["by_channel", ch, "", "", "", channel_name(ch), n])
    for cat, n in report.by_category.items():
        rows.append(["by_category", "", cat, "", "", category_name(cat), n])
    for ch, cats in report.by_channel_category.items():
        for cat, n in cats.items():
            rows.append(["by_channel_category", ch, cat, "", "", f"{channel_name(ch)} · {category_name(cat)}", n])
    for month, n in report.by_month.items():
        rows.append(["by_month", "", "", month, "", f"{int(month)}月", n])
    for item, value in report.consultations.items():
        rows.append(["consultations", "", "", "", item, CONSULTATION_LABELS.get(item, item), "" if value is None else value])
    return rows


def to_csv(report: AnnualReport) -> str:
    out = io.StringIO(newline="")
    csv.writer(out, lineterminator="\n").writerows(csv_rows(report))
    return out.getvalue()


# --- md -------------------------------------------------------------------------------------

def _cell(value) -> str:
    return str(value).replace("|", "\\|")


def _table(head: list[str], rows: list[list]) -> list[str]:
    lines = ["| " + " | ".join(_cell(h) for h in head) + " |", "|" + "|".join("---" for _ in head) + "|"]
    lines += ["| " + " | ".join(_cell(v) for v in row) + " |" for row in rows]
    return lines + [""]


def breakdown(counts: dict[str, int]) -> str:
    return "，".join(f"{category_name(cat)}{n}条" for cat, n in counts.items())


def channel_sentence(report: AnnualReport, channel: str) -> str:
    n = report.by_channel[channel]
    cats = report.by_channel_category.get(channel, {})
    if channel == "website":
        county = "县" if "县" in report.bureau_name else ""
        return f"通过{county}政府信息公开网站，主动公开信息{n}条（其中：{breakdown(cats)}）"
    if channel == "sunshine_police":
        items = "、".join(f"{ITEM_NAMES.get(cat, category_name(cat))}{k}条" for cat, k in cats.items())
        return f"通过{channel_name(channel)}，公开{items}"
    if channel == "wechat":
        return f"通过“{report.account_name}”微信公众号公开发布{n}条（其中：{breakdown(cats)}）"
    if channel == "weibo":
        return f"通过微博公开发布{n}条（其中：{breakdown(cats)}）"
    return f"通过{'其他渠道' if channel == 'other' else channel_name(channel)}公开发布{n}条（其中：{breakdown(cats)}）"


def hours_text(hours: float | None) -> str:
    if hours is None:
        return "暂无（本年没有已办结的留言）"
    return f"{hours:g}小时（约{hours / 24:.1f}天）"


def summary_paragraph(report: AnnualReport) -> str:
    if not report.total:
        disclosed = f"{report.year}年，发布记录中没有任何渠道的发布记录。"
    else:
        order = [ch for ch in PARAGRAPH_ORDER if ch in report.by_channel]
        order += [ch for ch in report.by_channel if ch not in order]
        sentences = "；".join(channel_sentence(report, ch) for ch in order)
        disclosed = f"{report.year}年，{sentences}。全年各渠道共公开信息{report.total}条。"
    c = report.consultations
    wechat = report.by_channel.get("wechat", 0)
    new_media = (
        f"政务新媒体方面，“{report.account_name}”微信公众号全年信息发布总数{wechat}条，"
        f"其中原创{report.original.get('wechat', 0)}条；留言办理：收到留言{c.get('received', 0)}条，"
        f"办结{c.get('answered', 0)}条，平均办理时间{hours_text(c.get('avg_response_hours'))}。"
    )
    return disclosed + "\n\n" + new_media


def to_markdown(report: AnnualReport) -> str:
    lines = [f"# {report.bureau_name}{report.year}年政务信息公开统计", "",
             f"按本局所在时区（{report.timezone}）的 {report.year} 年计，全年共 {report.total} 条。", ""]
    lines += ["## 按渠道", ""] + _table(
        ["渠道", "数量"], [[channel_name(ch), n] for ch, n in report.by_channel.items()] + [["合计", report.total]])
    lines += ["## 按栏目", ""] + _table(
        ["栏目", "数量"], [[category_name(cat), n] for cat, n in report.by_category.items()] + [["合计", report.total]])
    lines += ["## 渠道 × 栏目", ""] + _table(
        ["渠道", "栏目", "数量"],
        [[channel_name(ch), category_name(cat), n] for ch, cats in report.by_channel_category.items() for cat, n in cats.items()])
    channels = list(report.by_channel)
    lines += ["## 按月份", ""] + _table(
        ["月份", *[channel_name(ch) for ch in channels], "合计"],
        [[f"{int(m)}月", *[report.by_month_channel[m].get(ch, 0) for ch in channels], report.by_month[m]] for m in MONTHS])
    c = report.consultations
    lines += ["## 政务新媒体", ""] + _table(
        ["账号", "信息发布总数", "原创数"],
        [[f"“{report.account_name}”微信公众号", report.by_channel.get("wechat", 0), report.original.get("wechat", 0)]]
        + ([["微博", report.by_channel["weibo"], report.original.get("weibo", 0)]] if report.by_channel.get("weibo") else []))
    lines += ["## 留言办理", ""] + _table(
        ["收到", "办结", "平均办理时间"], [[c.get("received", 0), c.get("answered", 0), hours_text(c.get("avg_response_hours"))]])
    lines += ["## 年度报告摘要（草稿，请核对后使用）", "", summary_paragraph(report), ""]
    return "\n".join(lines)


def render(report: AnnualReport, fmt: str) -> bytes:
    """The file of one format, as bytes (csv carries a BOM so spreadsheet programs read it as UTF-8)."""
    if fmt == "json":
        return to_json(report).encode("utf-8")
    if fmt == "csv":
        return to_csv(report).encode("utf-8-sig")
    if fmt == "md":
        return to_markdown(report).encode("utf-8")
    if fmt == "xlsx":
        from .report_xlsx import to_xlsx

        return to_xlsx(report)
    raise ValueError(fmt)


FORMATS = {"json": "application/json", "csv": "text/csv", "xlsx":
           "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "md": "text/markdown"}

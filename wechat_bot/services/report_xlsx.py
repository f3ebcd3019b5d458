"""The annual report as an Excel workbook: one sheet per table, Chinese headings,
and a native (editable) chart of posts per month by channel."""
from __future__ import annotations

import io

from openpyxl import Workbook
from openpyxl.chart import BarChart, Reference
from openpyxl.styles import Font

from .report_render import CONSULTATION_LABELS, category_name, channel_name, hours_text, summary_paragraph
from .reports import MONTHS, AnnualReport

BOLD = Font(bold=True)


def _sheet(book: Workbook, title: str, head: list[str], rows: list[list], widths: list[int] | None = None):
    sheet = book.create_sheet(title)
    sheet.append(head)
    for cell in sheet[1]:
        cell.font = BOLD
    for row in rows:
        sheet.append(row)
    for index, width in enumerate(widths or [], 1):
        sheet.column_dimensions[chr(64 + index)].width = width
    return sheet


def to_xlsx(report: AnnualReport) -> bytes:
    book = Workbook()
    book.remove(book.active)
    c = report.consultations
    _sheet(book, "概况", ["项目", "数值"], [
        ["年份", report.year], ["时区", report.timezone], ["发布总数", report.total],
        *[[CONSULTATION_LABELS[k], "" if c.get(k) is None else c.get(k)] for k in CONSULTATION_LABELS],
        ["摘要草稿", summary_paragraph(report)],
    ], [20, 80])
    _sheet(book, "按渠道", ["渠道", "数量"],
           [[channel_name(ch), n] for ch, n in report.by_channel.items()] + [["合计", report.total]], [30, 10])
    _sheet(book, "按栏目", ["栏目", "数量"],
           [[category_name(cat), n] for cat, n in report.by_category.items()] + [["合计", report.total]], [30, 10])
    _sheet(book, "渠道×栏目", ["渠道", "栏目", "数量"],
           [[channel_name(ch), category_name(cat), n]
            for ch, cats in report.by_channel_category.items() for cat, n in cats.items()], [30, 24, 10])
    channels = list(report.by_channel)
    months = _sheet(book, "按月份", ["月份", *[channel_name(ch) for ch in channels], "合计"],
                    [[f"{int(m)}月", *[report.by_month_channel[m].get(ch, 0) for ch in channels], report.by_month[m]]
                     for m in MONTHS], [8] + [16] * (len(channels) + 1))
    _sheet(book, "政务新媒体", ["账号", "信息发布总数", "原创数"],
           [[f"“{report.account_name}”微信公众号", report.by_channel.get("wechat", 0), report.original.get("wechat", 0)]],
           [28, 14, 10])
    _sheet(book, "留言办理", ["收到", "办结", "平均办理时间（小时）", "说明"],
           [[c.get("received", 0), c.get("answered", 0), c.get("avg_response_hours"), hours_text(c.get("avg_response_hours"))]],
           [10, 10, 22, 30])

    chart = BarChart()
    chart.type = "col"
    chart.grouping = "stacked"
    chart.overlap = 100
    chart.title = f"{report.year}年每月发布数量（按渠道）"
    chart.y_axis.title = "条"
    chart.x_axis.title = "月份"
    series_cols = len(channels) or 1  # an empty year still gets a chart of the (zero) totals
    first, last = (2, 1 + series_cols) if channels else (2, 2)
    data = Reference(months, min_col=first, max_col=last, min_row=1, max_row=13)
    chart.add_data(data, titles_from_data=True)
    chart.set_categories(Reference(months, min_col=1, min_row=2, max_row=13))
    chart.width, chart.height = 24, 12
    months.add_chart(chart, f"{chr(66 + len(channels) + 1)}2")
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()

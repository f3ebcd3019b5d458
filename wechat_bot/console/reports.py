"""The annual report page: a year picker, the tables, the monthly chart (SVG drawn on the
server), and a download per format (the same files as `report export`)."""
from __future__ import annotations

from typing import Any

from flask import Response, render_template, request

from ..errors import Invalid
from ..services import post_queries
from ..services.report_chart import monthly_svg
from ..services.report_render import FORMATS, category_name, channel_name, hours_text, render, summary_paragraph
from ..services.reports import MONTHS, report_for
from . import bp, support
from .posts import _year


@bp.get("/reports")
@support.login_required
def report_page() -> Any:
    year = _year(request.args.get("year", "").strip())
    report = report_for(support.db(), support.services().settings, year)
    years = sorted(set(post_queries.years(support.db())) | {year}, reverse=True)
    return render_template(
        "console/reports/page.html", report=report, years=years, chart=monthly_svg(report),
        months=MONTHS, formats=FORMATS, channel_name=channel_name, category_name=category_name,
        hours_text=hours_text, summary=summary_paragraph(report),
    )


@bp.get("/reports/<int(min=1,max=9999):year>.<any(json, csv, xlsx, md):fmt>")
@support.login_required
def report_download(year: int, fmt: str) -> Any:
    report = report_for(support.db(), support.services().settings, year)
    if report.year != year:  # pragma: no cover - report_for refuses instead
        raise Invalid("年份不正确")
    filename = f"report-{year}.{fmt}"
    mimetype = FORMATS[fmt] + ("; charset=utf-8" if fmt != "xlsx" else "")
    return Response(render(report, fmt), mimetype=mimetype,
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})

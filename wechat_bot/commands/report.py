"""`report export --year Y --format json|csv|xlsx|md [--out PATH]` (CONTRACT §2, §6)."""
from __future__ import annotations

import sys
from pathlib import Path

import click

from ..cli import AppHolder, pass_holder
from ..errors import Invalid


def register(main: click.Group) -> None:
    main.add_command(report)


@click.group()
def report() -> None:
    """年度统计：按本局时区的自然年统计各渠道、各栏目、各月的发布数量和留言办理情况。"""


@report.command("export")
@click.option("--year", type=int, required=True, help="年份（按本局时区，如北京时间）")
@click.option("--format", "fmt", type=click.Choice(["json", "csv", "xlsx", "md"]), required=True, help="输出格式")
@click.option("--out", "out", default="", metavar="PATH", help="保存到文件（默认输出到标准输出）")
@pass_holder
def export(holder: AppHolder, year: int, fmt: str, out: str) -> None:
    """导出年度统计：json/csv 为各项合计，xlsx 为带图表的工作簿，md 为表格和年报摘要草稿。"""
    from ..db import get_session
    from ..services.report_render import render, to_csv
    from ..services.reports import report_for

    if fmt == "xlsx" and not out and sys.stdout.isatty():
        raise Invalid("xlsx 是二进制文件，请用 --out 指定保存路径（或重定向到文件）")
    with holder.app.app_context():
        figures = report_for(get_session(), holder.services.settings, year)
    if not out:
        if fmt == "csv":  # no BOM on a pipe
            click.echo(to_csv(figures), nl=False)
        else:
            stream = click.get_binary_stream("stdout")
            stream.write(render(figures, fmt))
            stream.flush()
        return
    data = render(figures, fmt)
    try:
        Path(out).write_bytes(data)
    except OSError as exc:
        raise Invalid(f"无法写入 {out}：{exc.strerror or exc}") from None
    click.echo(f"已导出 {year} 年统计（{fmt}）到 {out}：共 {figures.total} 条。", err=True)

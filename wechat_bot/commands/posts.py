"""`posts import FILE.csv`: record posts made on any channel (CONTRACT §5); idempotent.

A progress bar on a terminal, plain progress lines otherwise (logs, pipes). A bad file is
refused whole: every bad line is named on stderr and the exit code is 1.
"""
from __future__ import annotations

import sys
from pathlib import Path

import click

from ..cli import AppHolder, pass_holder
from ..errors import Invalid

STAGES = {"check": "校验", "write": "写入"}


def register(main: click.Group) -> None:
    main.add_command(posts)


@click.group()
def posts() -> None:
    """发布记录：导入其他渠道（网站、阳光警务、微博等）的发布记录。"""


class _Progress:
    """click's bar when stderr is a terminal; a plain line per step otherwise."""

    def __init__(self) -> None:
        self.tty = sys.stderr.isatty()
        self.bar = None
        self.stage = ""
        self.done = 0

    def __call__(self, stage: str, done: int, total: int) -> None:
        if not self.tty:  # a line per 10,000 rows is enough for a log
            if done == total or done % 10_000 == 0:
                click.echo(f"{STAGES[stage]} {done}/{total} 行", err=True)
            return
        if stage != self.stage:
            self.close()
            self.stage, self.done = stage, 0
            self.bar = click.progressbar(length=total, label=STAGES[stage], file=sys.stderr, show_pos=True)
            self.bar.__enter__()
        self.bar.update(done - self.done)
        self.done = done

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
            self.bar = None


@posts.command("import")
@click.argument("file", metavar="FILE.csv")
@click.option("--by", "by", default="", help="记录导入人（可选，写入每条记录）")
@pass_holder
def import_posts(holder: AppHolder, file: str, by: str) -> None:
    """导入 CSV（UTF-8，表头 published_at,channel,category,title,url,external_id）。

    重复导入不会重复计数；任何一行有误则整个文件不导入，并列出每一个错误行。
    """
    from ..db import get_session
    from ..services.post_import import ImportRefused, import_csv

    try:
        data = Path(file).read_bytes() if file != "-" else click.get_binary_stream("stdin").read()
    except FileNotFoundError:
        raise Invalid(f"文件不存在：{file}") from None
    except OSError as exc:
        raise Invalid(f"无法读取文件 {file}：{exc.strerror or exc}") from None
    services = holder.services
    progress = _Progress()
    with holder.app.app_context():
        try:
            result = import_csv(get_session(), data, tz=services.settings.tz, by=by, progress=progress)
        except ImportRefused as exc:
            progress.close()
            click.echo(f"错误：{exc.message}：", err=True)
            for line in exc.lines():
                click.echo(f"  {line}", err=True)
            sys.exit(1)
        finally:
            progress.close()
    extra = f"，文件内重复 {result.repeated} 行只计一次" if result.repeated else ""
    click.echo(f"已导入 {result.added} 条新记录；{result.already} 条此前已有，未重复记录{extra}（文件共 {result.rows} 行）。")

"""`guides ask|list|check`: the catalogue from the command line."""
from __future__ import annotations

import json
import sys

import click

from ..cli import AppHolder, pass_holder
from ..services import dialogue
from ..services.guide_matching import choice_number
from ..services.textnorm import normalize


def register(main: click.Group) -> None:
    main.add_command(guides)


@click.group()
def guides() -> None:
    """办事指南：问答、列表、检查。"""


@guides.command("ask")
@click.argument("text")
@click.option("--json", "as_json", is_flag=True, help="输出 JSON（每条消息一行）")
@click.option("--as", "openid", default=None, metavar="OPENID",
              help="各行是同一位用户依次发来的消息，按上下文作答（与公众号对该用户的回复相同）")
@pass_holder
def ask(holder: AppHolder, text: str, as_json: bool, openid: str | None) -> None:
    """给出公众号对这条文字消息的回复；TEXT 为 - 时从标准输入逐行读取，每行一条消息。"""
    services = holder.services
    messages = (line.rstrip("\r\n") for line in sys.stdin) if text == "-" else iter([text])
    # With --as, one citizen's conversation: its context lives in memory, from the first line on,
    # and leaves the citizen's real conversation state in Redis untouched.
    memory = dialogue.LocalMemory() if openid is not None else None
    for message in messages:  # every line gets its answer, blank ones too, so output lines match input lines
        if memory is None:
            # Each message is answered as a new citizen's first message: no list was offered before.
            result = services.answer(message)
        else:
            pending = memory.choices if choice_number(normalize(message)) is not None else []
            result = services.respond(message, memory, services.clock(), pending)
            if result.kind == "choice":
                memory.choices = list(result.candidates)
        if as_json:
            click.echo(json.dumps(result.as_json(), ensure_ascii=False))
        else:
            click.echo(result.reply)
            if text == "-":
                click.echo("")


@guides.command("list")
@pass_holder
def list_command(holder: AppHolder) -> None:
    """列出全部办事指南（编号、业务类别、名称）。"""
    for guide in holder.services.catalogue.all():
        click.echo(f"{guide.id}\t{guide.area}\t{guide.title}")


@guides.command("check")
def check() -> None:
    """检查办事指南数据（必填项、编号、别名、回复长度、相互链接、菜单）；有问题时逐条列出并返回 1。"""
    from ..services.guides import check_catalogue

    problems = check_catalogue()
    if problems:
        for problem in problems:
            click.echo(problem, err=True)
        click.echo(f"办事指南检查未通过：共 {len(problems)} 处问题。", err=True)
        sys.exit(1)
    click.echo("办事指南检查通过。")

"""`users add NAME --role editor|reviewer|admin [--password-stdin]`: staff accounts."""
from __future__ import annotations

import sys

import click

from ..cli import AppHolder, pass_holder
from ..errors import Invalid
from ..models.user import ROLES


def register(main: click.Group) -> None:
    main.add_command(users)


@click.group()
def users() -> None:
    """员工后台账号。"""


@users.command("add")
@click.argument("name")
@click.option("--role", required=True, type=click.Choice(ROLES), help="editor（编辑）、reviewer（审核）或 admin（管理员）")
@click.option("--display-name", default="", help="审核记录中显示的姓名（默认同账号名）")
@click.option("--password-stdin", is_flag=True, help="从标准输入读取密码（第一行），不提示")
@pass_holder
def add_user(holder: AppHolder, name: str, role: str, display_name: str, password_stdin: bool) -> None:
    """创建员工账号；不加 --password-stdin 时提示输入两次密码（不回显）。"""
    from ..db import get_session
    from ..services.users import check_password, create_user

    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
        check_password(password)
    else:
        password = _ask_password_twice()
    with holder.app.app_context():
        user = create_user(get_session(), name, role, password, holder.services.clock(), display_name=display_name)
        click.echo(f"已创建账号“{user.name}”（{user.role_label}）。")


def _ask_password_twice() -> str:
    """Prompt twice without echo; from a pipe, read two lines (getpass would warn and echo)."""
    if sys.stdin.isatty():
        return str(click.prompt("密码", hide_input=True, confirmation_prompt="再次输入密码", err=True))
    answers = []
    for label in ("密码", "再次输入密码"):
        click.echo(f"{label}: ", err=True, nl=False)
        line = sys.stdin.readline()
        if not line:
            click.echo("", err=True)
            raise Invalid("没有读到密码：请在终端中运行，或用 --password-stdin 从标准输入提供密码")
        answers.append(line.rstrip("\r\n"))
    click.echo("", err=True)
    if answers[0] != answers[1]:
        raise Invalid("两次输入的密码不一致")
    return answers[0]

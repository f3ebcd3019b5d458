"""`users add|list|disable|reset-password`: staff accounts (CONTRACT §2)."""
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
    from ..services.users import create_user

    password = _read_password(password_stdin)
    with holder.app.app_context():
        user = create_user(get_session(), name, role, password, holder.services.clock(), display_name=display_name)
        click.echo(f"已创建账号“{user.name}”（{user.role_label}）。")


def _read_password(from_stdin: bool) -> str:
    """The new password: the first line of standard input (checked here), or asked twice."""
    if from_stdin:
        from ..services.users import check_password

        password = sys.stdin.readline().rstrip("\r\n")
        check_password(password)
        return password
    return _ask_password_twice()


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


@users.command("list")
@click.option("--json", "as_json", is_flag=True, help="每个账号一行 JSON")
@pass_holder
def list_accounts(holder: AppHolder, as_json: bool) -> None:
    """列出员工账号（可用的在前）。"""
    import json

    from ..db import get_session
    from ..services.users import list_users

    with holder.app.app_context():
        accounts = list_users(get_session())
        if as_json:
            for user in accounts:
                click.echo(json.dumps({"name": user.name, "display_name": user.label, "role": user.role,
                                       "active": user.active}, ensure_ascii=False))
            return
        if not accounts:
            click.echo("还没有账号：用 python app.py users add NAME --role admin 创建第一个管理员。")
            return
        for user in accounts:
            state = "可用" if user.active else "已停用"
            click.echo(f"{user.name}\t{user.label}\t{user.role_label}\t{state}")


@users.command("disable")
@click.argument("name")
@pass_holder
def disable(holder: AppHolder, name: str) -> None:
    """停用账号：不能再登录，已登录的会话立即失效；稿件和审核记录保留。"""
    from ..db import get_session
    from ..errors import NotFound
    from ..services.users import find_user, set_active

    with holder.app.app_context():
        session = get_session()
        user = find_user(session, name)
        if user is None:
            raise NotFound(f"没有名为“{name}”的账号")
        if not user.active:
            click.echo(f"账号“{user.name}”已是停用状态。")
            return
        set_active(session, user, False)
        click.echo(f"已停用账号“{user.name}”，其登录会话已全部失效。")


@users.command("reset-password")
@click.argument("name")
@click.option("--password-stdin", is_flag=True, help="从标准输入读取新密码（第一行），不提示")
@pass_holder
def reset_password_command(holder: AppHolder, name: str, password_stdin: bool) -> None:
    """重设密码；该账号已登录的会话立即失效。"""
    from ..db import get_session
    from ..errors import NotFound
    from ..services.users import find_user, reset_password

    with holder.app.app_context():
        user = find_user(get_session(), name)
        if user is None:
            raise NotFound(f"没有名为“{name}”的账号")
    password = _read_password(password_stdin)
    with holder.app.app_context():
        session = get_session()
        user = find_user(session, name)
        reset_password(session, user, password)
        click.echo(f"已重设账号“{user.name}”的密码，其登录会话已全部失效。")

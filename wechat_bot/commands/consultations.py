"""`consultations list|reply|record`: citizens' questions for a person, and staff answers.

A reply goes out through WeChat's customer-service message API (the built-in
simulator in sandbox mode) while the citizen's 48-hour window is open; after
that it is refused, and `record` registers an answer given another way.
"""
from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import click

from ..cli import AppHolder, pass_holder
from .text_files import read_text_file


def register(main: click.Group) -> None:
    main.add_command(consultations)


@contextmanager
def _session(holder: AppHolder) -> Iterator[Any]:
    services = holder.services
    with holder.app.app_context(), services.database.sessionmaker() as session:
        yield session


@click.group()
def consultations() -> None:
    """留言办理：查看群众留言，答复。"""


@consultations.command("list")
@click.option("--status", type=click.Choice(["open", "answered"]), default=None, help="open 待办理 / answered 已办结")
@click.option("--json", "as_json", is_flag=True, help="输出 JSON（一个数组）")
@pass_holder
def list_consultations(holder: AppHolder, status: str | None, as_json: bool) -> None:
    """列出留言：待办理的在前（从早到晚），再列已办结的。"""
    from ..services.consultations import inbox
    from ..services.notice_content import local_text

    services = holder.services
    tz = services.settings.tz
    with _session(holder) as session:
        rows = inbox(session, services.settings.consultations, services.clock(), tz, status, limit=100_000)
        if as_json:
            click.echo(json.dumps([_as_json(r) for r in rows], ensure_ascii=False, indent=1))
            return
        if not rows:
            click.echo("没有留言。")
            return
        for r in rows:
            c = r.consultation
            if c.status == "open":
                due = f"已超期 {-r.hours_left} 小时" if r.overdue else f"剩余 {r.hours_left} 小时"
            else:
                due = f"已答复 {local_text(c.answered_at, tz)}（{c.answered_via}）"
            first = c.text.replace("\n", " ")
            click.echo(f"#{c.id}\t{'待办理' if c.status == 'open' else '已办结'}\t{c.kind}\t"
                       f"收到 {local_text(c.created_at, tz)}\t{due}\t{first[:40]}")


def _iso(when: Any) -> str | None:
    return when.isoformat() if when else None


def _as_json(r: Any) -> dict[str, Any]:
    c = r.consultation
    return {
        "id": c.id, "status": c.status, "kind": c.kind, "text": c.text,
        "created_at": _iso(c.created_at), "due_at": _iso(r.due), "hours_left": r.hours_left, "overdue": r.overdue,
        "answered_at": _iso(c.answered_at), "answered_by": c.answered_by, "answered_via": c.answered_via,
        "messages": [{"direction": m.direction, "source": m.source, "text": m.text, "author": m.author,
                      "at": _iso(m.created_at)} for m in c.messages],
    }


@consultations.command("reply")
@click.argument("consultation_id", type=int)
@click.option("--by", "by", required=True, help="答复人账号")
@click.option("--text-file", "text_file", required=True, help="答复内容文件（UTF-8；- 表示标准输入）")
@pass_holder
def reply(holder: AppHolder, consultation_id: int, by: str, text_file: str) -> None:
    """通过微信客服消息答复（群众最后一次发消息后48小时内，最多5条）。"""
    from ..services import consultation_replies
    from ..services.users import require_user

    text = read_text_file(text_file, "答复内容")
    services = holder.services
    with _session(holder) as session:
        user = require_user(session, by)
        consultation_replies.reply(session, services.gateway, consultation_id, by=user.name, text=text,
                                   now=services.clock(), tz=services.settings.tz)
    click.echo(f"留言 #{consultation_id} 的答复已通过微信发送。")


@consultations.command("record")
@click.argument("consultation_id", type=int)
@click.option("--by", "by", required=True, help="答复人账号")
@click.option("--via", type=click.Choice(["电话", "当面", "其他"]), required=True, help="答复方式")
@click.option("--text-file", "text_file", required=True, help="答复内容（摘要）文件（UTF-8；- 表示标准输入）")
@pass_holder
def record(holder: AppHolder, consultation_id: int, by: str, via: str, text_file: str) -> None:
    """登记通过电话、当面等方式给出的答复（微信回复时限已过时）。"""
    from ..services import consultation_replies
    from ..services.users import require_user

    text = read_text_file(text_file, "答复内容")
    services = holder.services
    with _session(holder) as session:
        user = require_user(session, by)
        consultation_replies.record(session, consultation_id, by=user.name, text=text, via=via, now=services.clock())
    click.echo(f"已登记留言 #{consultation_id} 的答复（方式：{via}）。")

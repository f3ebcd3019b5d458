"""`db upgrade`: create or migrate the schema (idempotent)."""
from __future__ import annotations

import click

from ..cli import AppHolder, pass_holder


def register(main: click.Group) -> None:
    main.add_command(db)


@click.group()
def db() -> None:
    """数据库结构管理。"""


@db.command("upgrade")
@pass_holder
def upgrade_command(holder: AppHolder) -> None:
    """创建或升级数据库结构（可重复执行）。"""
    from ..migrate import upgrade

    before, after = upgrade(holder.services.database.engine)
    if before == after:
        click.echo(f"数据库已是最新版本（{after}）。")
    else:
        click.echo(f"数据库已升级：{before or '空库'} → {after}。")

"""`db upgrade`: create or migrate the schema (idempotent); `db backup`: a consistent copy."""
from __future__ import annotations

from pathlib import Path

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


@db.command("backup")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="备份文件的路径（SQLite：数据库文件；PostgreSQL：pg_dump 自定义格式，用 pg_restore 恢复）")
@click.option("--force", is_flag=True, help="覆盖已存在的文件")
@pass_holder
def backup_command(holder: AppHolder, out: Path, force: bool) -> None:
    """数据库的一致性备份，运行中也可执行（SQLite 在线备份，或 pg_dump）。恢复步骤见 README。"""
    from ..migrate import current_revision
    from ..services.backup import backup

    database = holder.services.database
    revision = current_revision(database.engine)
    result = backup(database.url, out, force=force)
    click.echo(f"已备份（{result.kind}，{_size(result.size)}，数据库版本 {revision or '空库'}）：{result.path}")


def _size(size: int) -> str:
    return f"{size / 1024 / 1024:.1f} MB" if size >= 1024 * 1024 else f"{max(size // 1024, 1)} KB"

"""`publish due`: one publishing sweep now (CONTRACT §2); the simulator in sandbox mode."""
from __future__ import annotations

import click

from ..cli import AppHolder, pass_holder


def register(main: click.Group) -> None:
    main.add_command(publish)


@click.group()
def publish() -> None:
    """发布到公众号。"""


@publish.command("due")
@pass_holder
def due(holder: AppHolder) -> None:
    """立即检查一次：发出所有到时间的已通过稿件（先核对上次未完成的发布）。"""
    from schedules.jobs import publish_sweep

    services = holder.services
    report = publish_sweep(holder.app)
    where = "内置微信接口模拟器（沙箱模式）" if services.settings.sandbox else "微信公众平台"
    click.echo(f"{where}：{report.summary()}。")

"""`menu sync`: push the custom menu to WeChat (the simulator in sandbox mode)."""
from __future__ import annotations

import click

from ..cli import AppHolder, pass_holder


def register(main: click.Group) -> None:
    main.add_command(menu)


@click.group()
def menu() -> None:
    """公众号自定义菜单。"""


@menu.command("sync")
@pass_holder
def sync(holder: AppHolder) -> None:
    """把 wechat_bot/guides/menu.toml 中的自定义菜单推送到微信。"""
    services = holder.services
    services.gateway.create_menu(services.catalogue.menu)
    where = "内置微信接口模拟器（沙箱模式）" if services.settings.sandbox else "微信公众平台"
    count = sum(len(b.get("sub_button", [])) or 1 for b in services.catalogue.menu.get("button", []))
    click.echo(f"自定义菜单已推送到{where}：{len(services.catalogue.menu.get('button', []))} 个主菜单，{count} 个按钮。")

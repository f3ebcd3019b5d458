"""`python app.py [--config PATH] COMMAND`: the CLI of CONTRACT.md §2.

Exit codes: 0 ok, 1 refused or invalid input (one line on stderr), 2 usage.
Each command builds the app lazily, so `--help` works without any storage.
"""
from __future__ import annotations

import os
import sys
from typing import Any

import click
from flask import Flask

from .config import ConfigError


class AppHolder:
    """Builds the app on first use, from --config or $WECHAT_BOT_CONFIG."""

    def __init__(self, config: str | None, app: Flask | None = None) -> None:
        self.config = config
        self._app = app  # tests pass the app they already built

    @property
    def app(self) -> Flask:
        if self._app is None:
            from . import create_app

            self._app = create_app(self.config)
        return self._app

    @property
    def services(self) -> Any:
        return self.app.extensions["wechat_bot"]


pass_holder = click.make_pass_decorator(AppHolder)


class BotGroup(click.Group):
    """Turns configuration and domain errors into one line on stderr and exit 1."""

    def invoke(self, ctx: click.Context) -> Any:
        from .errors import BotError
        from .services.guides import CatalogueError

        try:
            return super().invoke(ctx)
        except ConfigError as exc:
            click.echo(f"配置错误：{exc}", err=True)
            sys.exit(1)
        except BotError as exc:
            click.echo(f"错误：{exc.message}", err=True)
            sys.exit(1)
        except CatalogueError as exc:
            click.echo(f"办事指南数据有误：{exc}", err=True)
            sys.exit(1)
        except (click.exceptions.Exit, click.ClickException, click.Abort, SystemExit, KeyboardInterrupt):
            raise
        except Exception as exc:  # one line for staff, never a traceback (WECHAT_BOT_DEBUG=1 shows it)
            if os.environ.get("WECHAT_BOT_DEBUG"):
                raise
            click.echo(f"错误：{explain(exc)}（设置环境变量 WECHAT_BOT_DEBUG=1 可查看详细信息）", err=True)
            sys.exit(1)


def explain(exc: Exception) -> str:
    """What went wrong, in words the office can act on."""
    import redis
    from sqlalchemy.exc import DBAPIError, OperationalError

    from .db import describe, is_missing_schema, is_unavailable

    text = str(exc).splitlines()[0] if str(exc) else exc.__class__.__name__
    if isinstance(exc, DBAPIError) and is_missing_schema(exc):
        return "数据库尚未初始化或版本过旧，请先运行 python app.py db upgrade"
    if isinstance(exc, OperationalError) and "unable to open database" in text:
        return "无法打开数据库文件，请检查 storage.database_url 中的目录是否存在、是否可写"
    if is_unavailable(exc):
        return f"无法连接数据库（storage.database_url），请检查数据库服务是否在运行：{describe(exc)}"
    if isinstance(exc, DBAPIError):
        return f"数据库出错：{text}"
    if isinstance(exc, redis.ConnectionError):
        return f"无法连接 Redis（storage.redis_url）：{text}"
    if isinstance(exc, OverflowError):
        return f"数值超出范围：{text}"
    return f"{exc.__class__.__name__}: {text}"


@click.group(cls=BotGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--config", "config", metavar="PATH", envvar="WECHAT_BOT_CONFIG", help="配置文件（默认 config.toml；没有则使用内置沙箱配置）")
@click.pass_context
def main(ctx: click.Context, config: str | None) -> None:
    """略阳公安微信公众号后台。"""
    if not isinstance(ctx.obj, AppHolder):  # runner.invoke(main, ..., obj=AppHolder(None, app=app))
        ctx.obj = AppHolder(config)


from .commands import register  # noqa: E402  (commands attach themselves to main)

register(main)

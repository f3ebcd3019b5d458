"""`run`, `web` and `scheduler`: the long-running processes."""
from __future__ import annotations

import click
from werkzeug.serving import WSGIRequestHandler

from ..cli import AppHolder, pass_holder
from ..config import require_ready_to_serve
from ..errors import BotError


def register(main: click.Group) -> None:
    for command in (run, web, scheduler):
        main.add_command(command)


def _announce(holder: AppHolder, url: str) -> None:
    settings = holder.services.settings
    click.echo(f"{settings.bureau.account_name} 后台已启动：{url}（配置：{settings.source}）")
    if settings.sandbox:
        click.echo(
            "【沙箱模式】未配置微信公众号 app_id/app_secret，正在使用内置的微信接口模拟器，"
            "不会连接真实的微信服务器。"
        )
        click.echo(f"  打开 {url}/sandbox 即可像群众一样和公众号对话。")
    click.echo(f"  微信服务器地址（URL）：{url}/wechat    员工后台：{url}/console")


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="监听地址")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535), help="监听端口")
@pass_holder
def run(holder: AppHolder, host: str, port: int) -> None:
    """启动公众号后台：消息接口 + 员工后台 + 定时发布（单进程，适合试用和小规模部署）。"""
    _require_ready(holder)
    from werkzeug.serving import run_simple

    from schedules.runner import build_scheduler

    _check_port_free(host, port)
    app = holder.app
    services = holder.services
    wsgi = app.wsgi_app
    if services.settings.sandbox:
        from werkzeug.middleware.dispatcher import DispatcherMiddleware

        # The simulator is served by this same server, so the real wechatpy
        # client reaches it over loopback just as it would reach WeChat.
        services.simulator_auto_complete = 2.0
        services.simulator_url = f"http://127.0.0.1:{port}/_simulator/cgi-bin/"
        wsgi = DispatcherMiddleware(app.wsgi_app, {"/_simulator": services.simulator_app})
    app.wsgi_app = wsgi  # type: ignore[method-assign]
    sched, lease = build_scheduler(app, blocking=False)
    sched.start()
    _exit_cleanly_on_sigterm()
    _announce(holder, f"http://{host}:{port}")
    try:
        run_simple(host, port, app, threaded=True, use_reloader=False, use_debugger=False, request_handler=PathOnlyLog)
    except KeyboardInterrupt:
        click.echo("已停止。")
    finally:
        sched.shutdown(wait=False)
        lease.release()


def _require_ready(holder: AppHolder) -> None:
    """Refuse to start, with one line, on the example contact details or an outdated schema."""
    from ..migrate import schema_problem

    require_ready_to_serve(holder.services.settings)
    problem = schema_problem(holder.services.database.engine)
    if problem:
        raise BotError(problem)


def _check_port_free(host: str, port: int) -> None:
    import socket

    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            raise click.ClickException(f"无法监听 {host}:{port}（{exc.strerror}）：端口可能已被占用，请用 --port 换一个") from None


class PathOnlyLog(WSGIRequestHandler):
    """Access log without query strings: WeChat's carry openid, signature and nonce."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        # A malformed or over-long request line is answered (400, 414, 505) before
        # the request has a command or a path: log what there is.
        path = (getattr(self, "path", None) or "-").split("?", 1)[0][:200]
        self.log("info", '"%s %s" %s %s', getattr(self, "command", None) or "-", path, code, size)


def _exit_cleanly_on_sigterm() -> None:
    """SIGTERM (systemd, supervisors, Ctrl+C's cousin) unwinds like Ctrl+C, so
    the scheduler lease is released and the embedded Redis is stopped."""
    import signal

    def stop(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
@click.option("--workers", default=2, show_default=True, type=int, help="gunicorn 工作进程数")
@pass_holder
def web(holder: AppHolder, host: str, port: int, workers: int) -> None:
    """只启动网页部分（消息接口 + 员工后台），由 gunicorn 提供服务。"""
    _require_ready(holder)
    from gunicorn.app.base import BaseApplication

    config_path = holder.config

    class Server(BaseApplication):  # type: ignore[misc]
        def load_config(self) -> None:
            self.cfg.set("bind", f"{host}:{port}")
            self.cfg.set("workers", workers)
            # As gunicorn.conf.py, chosen by measurement (bench/README.md).
            self.cfg.set("worker_class", "wechat_bot.serving.ThreadWorker")
            self.cfg.set("threads", 8)

        def load(self):  # type: ignore[no-untyped-def]
            from .. import create_app

            return create_app(config_path)

    _announce(holder, f"http://{host}:{port}")
    Server().run()


@click.command()
@pass_holder
def scheduler(holder: AppHolder) -> None:
    """只启动定时任务进程（定时发布等）；多个进程同时运行时只有一个在工作。"""
    _require_ready(holder)
    from schedules.runner import build_scheduler

    sched, lease = build_scheduler(holder.app, blocking=True)
    click.echo("定时任务进程已启动（按 Ctrl+C 停止）。")
    _exit_cleanly_on_sigterm()
    try:
        sched.start()
    except (KeyboardInterrupt, SystemExit):
        pass
    finally:
        lease.release()

"""Start-up checks for WSGI servers, each failing with one line on stderr and no traceback.

``check_before_serving()`` runs in gunicorn's master before any worker is forked
(gunicorn.conf.py): configuration, instance folder, go-live contact details, database
schema; exit 1.
``app = create_app_or_exit()`` (app.py under gunicorn) builds the app in each worker;
what only the app can check (the guide files) stops it with exit status 3, gunicorn's
"worker failed to boot", on which the master stops instead of restarting workers forever."""
from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from flask import Flask

    from .config import Settings

WORKER_BOOT_ERROR = 3


def check_before_serving() -> None:
    """For gunicorn's master, before it forks a worker (``on_starting`` in gunicorn.conf.py):
    a bad configuration, an instance folder that cannot be written, or a real account still
    showing the example contact details stops it with one line and exit status 1. Left to
    the workers, each of them printed the line and gunicorn added its own "Worker failed to
    boot" lines. Settings and the folder only, so the master stays small (no Flask, no guides;
    a guide file in error is still reported by the workers)."""
    from .config import ConfigError, load_settings, require_ready_to_serve
    from .instance import ensure_writable

    try:
        settings = load_settings()
        ensure_writable(settings.instance_path)
        require_ready_to_serve(settings)
    except ConfigError as exc:
        print(f"配置错误：{exc}", file=sys.stderr, flush=True)
        sys.exit(1)
    _check_schema_in_a_child(settings)


def _check_schema_in_a_child(settings: Settings) -> None:
    """An outdated schema (``migrate.schema_problem``) stops the master too. The check needs
    SQLAlchemy and Alembic, ~47 MB that the master would keep for good, so a short-lived
    child process makes it and exits; the master only reads its exit status."""
    pid = os.fork()
    if pid == 0:
        status = 0
        try:
            from .db import Database, database_url
            from .migrate import schema_problem

            database = Database(database_url(settings.storage.database_url, settings.instance_path))
            problem = schema_problem(database.engine)
            if problem:
                print(f"错误：{problem}", file=sys.stderr, flush=True)
                status = 1
        except Exception as exc:  # the check itself failed: say so, and let the workers start
            print(f"启动前的数据库检查没有完成（{exc.__class__.__name__}），照常启动", file=sys.stderr, flush=True)
        finally:
            os._exit(status)  # the child leaves without the parent's exit handlers
    _, status = os.waitpid(pid, 0)
    if os.waitstatus_to_exitcode(status) == 1:
        sys.exit(1)


def create_app_or_exit() -> Flask:
    from . import create_app
    from .config import ConfigError, require_ready_to_serve
    from .services.guides import CatalogueError

    try:
        app = create_app()
        require_ready_to_serve(app.extensions["wechat_bot"].settings)
        return app
    except ConfigError as exc:
        print(f"配置错误：{exc}", file=sys.stderr, flush=True)
    except CatalogueError as exc:
        print(f"办事指南数据有误：{exc}", file=sys.stderr, flush=True)
    sys.exit(WORKER_BOOT_ERROR)

"""``app = create_app_or_exit()`` for WSGI servers (app.py under gunicorn): a bad
configuration or instance folder stops start-up with one line on stderr, no
traceback. Exit status 3 is gunicorn's "worker failed to boot", on which the
master stops instead of restarting workers forever."""
from __future__ import annotations

import sys

from flask import Flask

WORKER_BOOT_ERROR = 3


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

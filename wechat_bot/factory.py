"""``create_app``, the composition root: it loads settings, builds storage, the router and
the blueprints. Nothing connects or reads files at import time.

Imported as ``wechat_bot.create_app`` (the package loads this module on first use).
"""
from __future__ import annotations

import logging
import os
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from flask import Flask, Request
from flask.sessions import SecureCookieSessionInterface, SessionMixin

from .config import Settings, load_settings
from .db import Database, database_url
from .extensions import BotServices, system_clock
from .instance import ensure_writable
from .router import Router

__all__ = ["create_app"]


def create_app(
    config: str | os.PathLike[str] | None = None,
    *,
    settings: Settings | None = None,
    clock: Callable[[], datetime] = system_clock,
    redis_client: Any = None,
    redis_prefix: str = "wb:",
) -> Flask:
    """Build the web app (webhook, sandbox, console, guide pages) from settings."""
    settings = settings or load_settings(config)
    app = Flask("wechat_bot", instance_path=str(settings.instance_path))
    ensure_writable(settings.instance_path)  # read-only or full: one clear line, now
    app.config.update(
        SECRET_KEY=settings.web.secret_key or _instance_secret(settings.instance_path),
        MAX_CONTENT_LENGTH=2 * 1024 * 1024,
        JSON_AS_ASCII=False,
    )
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    app.session_interface = StaffOnlySessions()
    from .webhook import DirectWebhook

    app.wsgi_app = DirectWebhook(app, app.wsgi_app)  # type: ignore[method-assign]
    if settings.web.trusted_proxies:
        from werkzeug.middleware.proxy_fix import ProxyFix

        # Behind nginx every request comes from 127.0.0.1: take the client's
        # address (login throttling) and scheme from the proxy's headers.
        hops = settings.web.trusted_proxies
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)  # type: ignore[method-assign]
    _configure_logging()

    database = Database(database_url(settings.storage.database_url, settings.instance_path))
    database.init_app(app)

    router = Router()
    from handlers import register_all

    register_all(router)

    services = BotServices(
        settings,
        database=database,
        router=router,
        clock=clock,
        redis_client=redis_client,
        redis_prefix=redis_prefix,
    )
    services.app = app
    services.catalogue  # noqa: B018 - load now: bad guide data must stop start-up
    app.extensions["wechat_bot"] = services

    from . import console, guide_pages, health, webhook

    app.register_blueprint(webhook.bp)
    app.register_blueprint(health.bp)
    app.register_blueprint(guide_pages.bp)
    app.register_blueprint(console.bp)
    if settings.sandbox:
        from . import sandbox

        app.register_blueprint(sandbox.bp)

    return app


class StaffOnlySessions(SecureCookieSessionInterface):
    """WeChat's servers carry no cookies: skip the signed-cookie work on /wechat,
    the busiest path, where it cost a tenth of each request."""

    def open_session(self, app: Flask, request: Request) -> SessionMixin | None:
        if request.path == "/wechat":
            return self.make_null_session(app)
        return super().open_session(app, request)


def _instance_secret(instance_path: Path) -> str:
    """A random session key kept in instance/ when none is configured."""
    path = instance_path / "secret_key"
    if not path.exists():
        import secrets

        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


def _configure_logging() -> None:
    root = logging.getLogger()
    if not root.handlers:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for noisy in ("alembic", "apscheduler"):
        logging.getLogger(noisy).setLevel(logging.WARNING)

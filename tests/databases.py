"""The database backends the storage tests run on: SQLite always, PostgreSQL too
when ``WECHAT_BOT_TEST_PG_URL`` names a server (a superuser URL such as
``postgresql+psycopg://postgres@127.0.0.1:5433/postgres``; scripts/pg_cluster.sh
starts a throwaway one and prints it).

Every test gets a fresh database: SQLite copies a migrated file, PostgreSQL runs
``CREATE DATABASE … TEMPLATE`` from a database migrated once per run.
"""
from __future__ import annotations

import itertools
import os
import shutil
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

PG_URL_ENV = "WECHAT_BOT_TEST_PG_URL"


def pg_url() -> str:
    return os.environ.get(PG_URL_ENV, "").strip()


def backends() -> list[str]:
    return ["sqlite", "postgresql"] if pg_url() else ["sqlite"]


class PgServer:
    """Creates and drops the test run's databases on the server of ``url``."""

    def __init__(self, url: str) -> None:
        self.url = make_url(url)
        if not self.url.drivername.startswith("postgresql"):
            raise ValueError(f"{PG_URL_ENV} must be a postgresql+psycopg:// URL, not {self.url.drivername}")
        self.admin = create_engine(self.url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
        self.prefix = f"wbt_{os.getpid()}_"
        self._numbers = itertools.count(1)
        self.copy_strategy = ""

    def check(self) -> str:
        with self.admin.connect() as conn:
            # FILE_COPY (PostgreSQL 15+) copies a small template about 4× faster than the default WAL_LOG.
            self.copy_strategy = " STRATEGY FILE_COPY" if int(conn.scalar(text("SHOW server_version_num"))) >= 150000 else ""
            return str(conn.scalar(text("SHOW server_version")))

    def url_for(self, name: str) -> str:
        return self.url.set(database=name).render_as_string(hide_password=False)

    def new_name(self) -> str:
        return f"{self.prefix}{next(self._numbers)}"

    def create(self, name: str, template: str | None = None) -> str:
        clause = f" TEMPLATE {template}{self.copy_strategy}" if template else ""
        with self.admin.connect() as conn:
            conn.execute(text(f"CREATE DATABASE {name}{clause}"))
        return self.url_for(name)

    def drop(self, name: str) -> None:
        with self.admin.connect() as conn:
            conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))

    def set_connections(self, name: str, *, allowed: bool) -> None:
        """Refuse (and cut) or allow again every connection to ``name``: the server,
        as far as the app can tell, goes down and comes back."""
        with self.admin.connect() as conn:
            conn.execute(text(f"ALTER DATABASE {name} ALLOW_CONNECTIONS {'true' if allowed else 'false'}"))
            if not allowed:
                conn.execute(
                    text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :name"),
                    {"name": name},
                )

    def drop_leftovers(self) -> None:
        with self.admin.connect() as conn:
            names = conn.scalars(
                text("SELECT datname FROM pg_database WHERE datname LIKE :pattern"),
                {"pattern": self.prefix.replace("_", r"\_") + "%"},
            ).all()
        for name in names:
            self.drop(name)

    def dispose(self) -> None:
        self.admin.dispose()


def copy_sqlite(template: Path, target: Path) -> str:
    shutil.copy(template, target)
    return f"sqlite:///{target}"


def database_name(url: str) -> str:
    return make_url(url).database or ""


class Outage:
    """Takes a test app's database away and brings it back, for real: the SQLite
    file is replaced by a directory (``unable to open database file``); the
    PostgreSQL database refuses connections and the server cuts the open ones."""

    def __init__(self, backend: str, url: str, engine, server: PgServer | None = None) -> None:
        self.backend = backend
        self.url = url
        self.engine = engine
        self.server = server
        self.is_down = False

    def down(self) -> None:
        if self.backend == "sqlite":
            self.engine.dispose()  # the last connection checkpoints and removes the WAL
            path = Path(make_url(self.url).database or "")
            path.rename(path.with_name(path.name + ".away"))
            path.mkdir()
        else:
            assert self.server is not None
            self.server.set_connections(database_name(self.url), allowed=False)
        self.is_down = True

    def up(self) -> None:
        if not self.is_down:
            return
        if self.backend == "sqlite":
            path = Path(make_url(self.url).database or "")
            path.rmdir()
            path.with_name(path.name + ".away").rename(path)
        else:
            assert self.server is not None
            self.server.set_connections(database_name(self.url), allowed=True)
        self.is_down = False

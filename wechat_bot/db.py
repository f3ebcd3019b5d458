"""SQL storage: the engine from ``storage.database_url`` (default: SQLite in instance/)."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask, current_app, g
from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.engine import make_url
from sqlalchemy.exc import (
    ArgumentError,
    DatabaseError,
    DisconnectionError,
    InterfaceError,
    NoSuchModuleError,
    OperationalError,
)
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm import Session, sessionmaker


def database_url(configured: str, instance_path: Path) -> str:
    """The URL to connect to; a plain ``postgresql://`` (or ``postgres://``) means psycopg 3,
    the driver of the ``postgres`` extra (SQLAlchemy would otherwise look for psycopg2)."""
    for scheme in ("postgresql://", "postgres://"):
        if configured.startswith(scheme):
            return "postgresql+psycopg://" + configured[len(scheme):]
    return configured or f"sqlite:///{Path(instance_path) / 'wechat_bot.sqlite3'}"


# A server that does not answer must not hold a citizen's reply past WeChat's 5 s.
PG_CONNECT_TIMEOUT = 3


def make_engine(url: str) -> Engine:
    kwargs: dict[str, Any] = {"future": True}
    if url.startswith("sqlite"):
        kwargs["connect_args"] = {"timeout": 15, "check_same_thread": False}
    else:
        # pre_ping: a connection the server dropped (restart, failover) is replaced, not used.
        kwargs["pool_pre_ping"] = True
        try:
            query = make_url(url).query
        except ArgumentError:
            query = {}
        if url.startswith("postgresql") and "connect_timeout" not in query:
            kwargs["connect_args"] = {"connect_timeout": PG_CONNECT_TIMEOUT}
    try:
        engine = create_engine(url, **kwargs)
    except (ImportError, NoSuchModuleError, ArgumentError) as exc:
        from .config import ConfigError

        raise ConfigError(
            f"storage.database_url: 无法使用这个数据库地址（{exc}）；PostgreSQL 需先安装驱动：pip install -e '.[postgres]'"
        ) from None
    if url.startswith("sqlite"):
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def is_unavailable(exc: BaseException) -> bool:
    """The database cannot be reached or used just now (server down or refusing
    connections, file missing or unreadable, locked past the timeout), as opposed
    to a query that is wrong."""
    if type(exc) is DatabaseError:  # SQLite: "file is not a database", "disk image is malformed"
        return True
    return isinstance(exc, (OperationalError, InterfaceError, PoolTimeout, DisconnectionError))


def is_missing_schema(exc: BaseException) -> bool:
    """A table is missing: `db upgrade` was never run (SQLite's and PostgreSQL's wording)."""
    orig = getattr(exc, "orig", None)
    return "no such table" in str(orig) or getattr(orig, "sqlstate", None) == "42P01"


def describe(exc: BaseException) -> str:
    """One log line about a database failure: the driver's first line only, never the
    statement's parameters (they may be a citizen's words or openid)."""
    orig = getattr(exc, "orig", None) or exc
    first = str(orig).strip().splitlines()[0] if str(orig).strip() else ""
    return f"{orig.__class__.__name__}: {first}"[:300]


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # WAL lets the web process read while the scheduler writes; foreign keys are
    # off by default in SQLite. synchronous=NORMAL is SQLite's recommended WAL
    # setting: a commit no longer waits for an fsync (which cost a consultation
    # insert ~1 ms, bench/README.md). A crashed process loses nothing; an
    # operating-system crash or power cut can lose the last commits, never
    # corrupt the database.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=15000")
    cursor.close()


class Database:
    """Engine + session factory; one per app."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = make_engine(url)
        self.sessionmaker = sessionmaker(self.engine, expire_on_commit=False)

    def init_app(self, app: Flask) -> None:
        app.extensions["database"] = self
        app.teardown_appcontext(_close_session)

    def dispose(self) -> None:
        self.engine.dispose()


def get_session() -> Session:
    """The session of the current app context (request, CLI command or job)."""
    if "db_session" not in g:
        g.db_session = current_app.extensions["database"].sessionmaker()
    return g.db_session


def _close_session(exc: BaseException | None) -> None:
    session = g.pop("db_session", None)
    if session is not None:
        if exc is not None:
            session.rollback()
        session.close()

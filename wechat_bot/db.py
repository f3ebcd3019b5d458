"""SQL storage: the engine from ``storage.database_url`` (default: SQLite in instance/)."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask, current_app, g
from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import ArgumentError, NoSuchModuleError
from sqlalchemy.orm import Session, sessionmaker


def database_url(configured: str, instance_path: Path) -> str:
    return configured or f"sqlite:///{Path(instance_path) / 'wechat_bot.sqlite3'}"


def make_engine(url: str) -> Engine:
    kwargs: dict[str, Any] = {"future": True}
    if url.startswith("sqlite"):
        kwargs["connect_args"] = {"timeout": 15, "check_same_thread": False}
    else:
        kwargs["pool_pre_ping"] = True
    try:
        engine = create_engine(url, **kwargs)
    except (ImportError, NoSuchModuleError, ArgumentError) as exc:
        from .config import ConfigError

        raise ConfigError(
            f"storage.database_url: 无法使用这个数据库地址（{exc}）；PostgreSQL 需先安装驱动：pip install 'psycopg[binary]'"
        ) from None
    if url.startswith("sqlite"):
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


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

"""SQLite state of the simulated WeChat account.

Several processes (web, scheduler, CLI) may open the same file, so every
operation is one short transaction: ``BEGIN IMMEDIATE`` takes the write lock up
front, which serialises quota checks across processes, and WAL keeps readers
unblocked.
"""
from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS tokens (
    token TEXT PRIMARY KEY, kind TEXT NOT NULL, issued_at REAL NOT NULL,
    expires_at REAL NOT NULL, valid_until REAL NOT NULL);
CREATE TABLE IF NOT EXISTS usage (
    api TEXT NOT NULL, day TEXT NOT NULL, count INTEGER NOT NULL,
    PRIMARY KEY (api, day));
CREATE TABLE IF NOT EXISTS grants (
    openid TEXT NOT NULL, kind TEXT NOT NULL, starts_at REAL NOT NULL,
    expires_at REAL NOT NULL, quota INTEGER NOT NULL, used INTEGER NOT NULL,
    PRIMARY KEY (openid, kind));
CREATE TABLE IF NOT EXISTS menu (
    id INTEGER PRIMARY KEY CHECK (id = 1), body TEXT NOT NULL, menuid INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS media (
    media_id TEXT PRIMARY KEY, type TEXT NOT NULL, filename TEXT, size INTEGER,
    sha1 TEXT, url TEXT, created_at REAL NOT NULL);
CREATE TABLE IF NOT EXISTS drafts (
    media_id TEXT PRIMARY KEY, articles TEXT NOT NULL, created_at REAL NOT NULL);
CREATE TABLE IF NOT EXISTS publishes (
    publish_id TEXT PRIMARY KEY, msg_data_id INTEGER NOT NULL, media_id TEXT NOT NULL,
    articles TEXT NOT NULL, status INTEGER NOT NULL, article_id TEXT,
    urls TEXT, fail_idx TEXT, submitted_at REAL NOT NULL, due_at REAL NOT NULL,
    done_at REAL);
CREATE TABLE IF NOT EXISTS mass_sends (
    msg_id INTEGER PRIMARY KEY, msg_data_id INTEGER NOT NULL, clientmsgid TEXT NOT NULL,
    media_id TEXT NOT NULL, is_to_all INTEGER NOT NULL, articles TEXT NOT NULL,
    state TEXT NOT NULL, status TEXT, urls TEXT, local_day TEXT NOT NULL,
    local_month TEXT NOT NULL, submitted_at REAL NOT NULL, due_at REAL NOT NULL,
    done_at REAL);
CREATE INDEX IF NOT EXISTS mass_sends_client ON mass_sends (clientmsgid, submitted_at);
CREATE TABLE IF NOT EXISTS calls (
    id INTEGER PRIMARY KEY AUTOINCREMENT, path TEXT NOT NULL, params TEXT NOT NULL,
    body TEXT, errcode INTEGER, at REAL NOT NULL);
CREATE TABLE IF NOT EXISTS faults (
    id INTEGER PRIMARY KEY AUTOINCREMENT, path TEXT NOT NULL, errcode INTEGER,
    remaining INTEGER, rate REAL, seed INTEGER, delay REAL NOT NULL,
    after INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT, openid TEXT NOT NULL, msgtype TEXT NOT NULL,
    content TEXT NOT NULL, at REAL NOT NULL);
CREATE TABLE IF NOT EXISTS pushes (
    id INTEGER PRIMARY KEY AUTOINCREMENT, xml TEXT NOT NULL, created_at REAL NOT NULL,
    delivered_at REAL);
"""

# Tables that ``reset()`` empties (everything: the account starts over).
TABLES = ("meta", "tokens", "usage", "grants", "menu", "media", "drafts",
          "publishes", "mass_sends", "calls", "faults", "outbox", "pushes")

MAX_CALLS_KEPT = 20_000


class Store:
    """One SQLite file; ``tx()`` yields a connection inside a write transaction."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._connect() as conn:
            conn.execute("PRAGMA journal_mode=WAL")
            conn.executescript(SCHEMA)

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, timeout=15.0, isolation_level=None,
                               check_same_thread=False)
        conn.row_factory = sqlite3.Row
        conn.execute("PRAGMA busy_timeout=15000")
        return conn

    @contextmanager
    def tx(self) -> Iterator[sqlite3.Connection]:
        conn = self._connect()
        try:
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")
        finally:
            conn.close()

    def read(self, sql: str, args: tuple[Any, ...] = ()) -> list[sqlite3.Row]:
        conn = self._connect()
        try:
            return conn.execute(sql, args).fetchall()
        finally:
            conn.close()

    def reset(self) -> None:
        with self.tx() as conn:
            for table in TABLES:
                conn.execute(f"DELETE FROM {table}")  # noqa: S608 - fixed names


def next_id(conn: sqlite3.Connection, name: str, start: int) -> int:
    """A monotonically increasing id kept in ``meta`` (survives restarts)."""
    row = conn.execute("SELECT value FROM meta WHERE key = ?", (f"seq:{name}",)).fetchone()
    value = int(row["value"]) + 1 if row else start
    conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)",
                 (f"seq:{name}", str(value)))
    return value


def get_meta(conn: sqlite3.Connection, key: str, default: str | None = None) -> str | None:
    row = conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
    return row["value"] if row else default


def set_meta(conn: sqlite3.Connection, key: str, value: str) -> None:
    conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, value))


def dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))

"""A consistent copy of the database while the bot keeps running.

SQLite: the online backup API (``sqlite3.Connection.backup``) copies a snapshot
while other connections go on writing (WAL mode), into a single self-contained
file (journal mode DELETE), checked with ``PRAGMA quick_check``.
PostgreSQL: ``pg_dump --format=custom`` (one snapshot transaction), for
``pg_restore``. The README's "备份与恢复" section is the restore procedure.

The copy is written next to the target under a temporary name and renamed into
place only when complete: a failed backup never leaves a half file at ``out``.
"""
from __future__ import annotations

import glob
import os
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import URL, make_url

from ..errors import BotError, Invalid

# Debian installs the server-side tools here, one directory per major version.
PG_BIN_GLOB = "/usr/lib/postgresql/*/bin"


class BackupError(BotError):
    """The backup could not be made (one line, staff-facing)."""


@dataclass(frozen=True)
class BackupResult:
    path: Path
    kind: str  # "SQLite" | "PostgreSQL"
    size: int


def backup(url: str, out: Path, *, force: bool = False) -> BackupResult:
    out = Path(out)
    if out.is_dir():
        raise Invalid(f"{out} 是一个目录，请给出备份文件的完整路径")
    if out.exists() and not force:
        raise Invalid(f"{out} 已存在；不覆盖已有备份，请换一个文件名（或加 --force）")
    if not out.parent.is_dir():
        raise Invalid(f"目录不存在：{out.parent}")
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    partial = out.with_name(f".{out.name}.partial-{os.getpid()}")
    try:
        if backend == "sqlite":
            _sqlite_backup(parsed.database or "", partial)
            kind = "SQLite"
        elif backend == "postgresql":
            _pg_dump(url, partial)
            kind = "PostgreSQL"
        else:
            raise Invalid(f"不支持备份这种数据库：{backend}（只支持 SQLite 和 PostgreSQL）")
        os.replace(partial, out)
    finally:
        partial.unlink(missing_ok=True)
    return BackupResult(out, kind, out.stat().st_size)


def _sqlite_backup(path: str, partial: Path) -> None:
    if not path or path == ":memory:" or path.startswith("file:"):
        raise Invalid("内存中的 SQLite 数据库无法备份")
    if not Path(path).is_file():
        raise BackupError(f"数据库文件不存在：{path}")
    source = sqlite3.connect(path, timeout=15)
    target = sqlite3.connect(partial)
    try:
        source.backup(target)
        target.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside it
        status = target.execute("PRAGMA quick_check").fetchone()[0]
        if status != "ok":
            raise BackupError(f"备份文件校验失败：{status}")
    except sqlite3.Error as exc:
        raise BackupError(f"SQLite 备份失败：{exc}") from None
    finally:
        target.close()
        source.close()


def find_pg_tool(name: str) -> str | None:
    """``name`` (pg_dump, pg_restore) on PATH, else the newest Debian server directory."""
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(glob.glob(f"{PG_BIN_GLOB}/{name}"), key=_version_key)
    return candidates[-1] if candidates else None


def _version_key(path: str) -> tuple[int, ...]:
    version = Path(path).parent.parent.name
    return tuple(int(part) for part in version.split(".") if part.isdigit())


def libpq_url(url: str) -> tuple[str, dict[str, str]]:
    """The libpq form of a SQLAlchemy URL (no ``+psycopg``), and the password as PGPASSWORD
    so that it never appears on a command line."""
    parsed = make_url(url)
    env = {"PGPASSWORD": parsed.password} if parsed.password else {}
    plain = URL.create("postgresql", username=parsed.username, host=parsed.host, port=parsed.port,
                       database=parsed.database, query=parsed.query)  # .set(password=None) keeps it
    return plain.render_as_string(hide_password=False), env


def _pg_dump(url: str, partial: Path) -> None:
    tool = find_pg_tool("pg_dump")
    if tool is None:
        raise BackupError(
            "找不到 pg_dump：请安装 PostgreSQL 客户端（Debian：apt-get install postgresql-client），"
            "其版本不能低于数据库服务器"
        )
    target, env = libpq_url(url)
    try:
        done = subprocess.run(
            [tool, "--format=custom", f"--file={partial}", f"--dbname={target}"],
            env={**os.environ, **env}, capture_output=True, text=True, timeout=3600, check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise BackupError(f"pg_dump 无法运行：{exc}") from None
    if done.returncode != 0:
        lines = [line for line in done.stderr.splitlines() if line.strip()]
        raise BackupError(f"pg_dump 失败：{lines[-1] if lines else f'退出码 {done.returncode}'}")

"""`db backup --out PATH` while the bot writes, then the README's restore procedure
("备份与恢复"), carried out step by step into a new instance."""
from __future__ import annotations

import subprocess
import threading
from pathlib import Path

import pytest
from sqlalchemy import func, insert, select, text
from sqlalchemy.engine import make_url

from wechat_bot import create_app
from wechat_bot.cli import AppHolder, main
from wechat_bot.db import get_session, make_engine
from wechat_bot.models import Consultation
from wechat_bot.models.base import utcnow
from wechat_bot.services import backup as backup_service

from .conftest import make_settings


class Writer(threading.Thread):
    """Writes consultations two at a time, one transaction per pair, until stopped:
    a consistent copy holds whole pairs only."""

    def __init__(self, url: str) -> None:
        super().__init__(name="backup-test-writer", daemon=True)
        self.engine = make_engine(url)
        self.pairs = 0
        self.error: BaseException | None = None
        self.stop = threading.Event()
        self.progress = threading.Condition()

    def run(self) -> None:
        try:
            while not self.stop.is_set() and self.pairs < 100_000:
                with self.engine.begin() as conn:
                    rows = [{"openid": f"o_w{self.pairs}", "text": f"pair {self.pairs}", "channel": "wechat",
                             "status": "open", "created_at": utcnow()} for _ in range(2)]
                    conn.execute(insert(Consultation), rows)
                with self.progress:
                    self.pairs += 1
                    self.progress.notify_all()
        except BaseException as exc:  # noqa: BLE001 - reported by the test
            self.error = exc
            with self.progress:
                self.progress.notify_all()
        finally:
            self.engine.dispose()

    def wait_for(self, pairs: int) -> None:
        with self.progress:
            assert self.progress.wait_for(lambda: self.pairs >= pairs or self.error, timeout=60)
        assert self.error is None, self.error


def cli(runner, app, *args: str):
    return runner.invoke(main, list(args), obj=AppHolder(None, app=app))


def restore(db_backend: str, dump: Path, tmp_path: Path, request) -> str:
    """The README's restore steps; returns the restored database's URL."""
    if db_backend == "sqlite":
        target = tmp_path / "restored" / "instance" / "wechat_bot.sqlite3"
        target.parent.mkdir(parents=True)
        target.write_bytes(dump.read_bytes())  # cp backup.sqlite3 instance/wechat_bot.sqlite3
        return f"sqlite:///{target}"
    # As on a real server: the superuser (`sudo -u postgres`) creates the database for the
    # bot's own login role, which has no other privilege, and that role restores into it, so
    # the tables are its own; restored by the superuser they would not be, and the bot could
    # neither write to them nor upgrade them.
    server = request.getfixturevalue("pg_server")
    name = server.new_name() + "_restored"
    role = name + "_bot"
    with server.admin.connect() as conn:
        conn.execute(text(f"CREATE ROLE {role} LOGIN"))
    request.addfinalizer(lambda: _drop_role(server, role))
    request.addfinalizer(lambda: server.drop(name))
    url = make_url(server.url_for(name))
    host = ["-h", url.host or "127.0.0.1", "-p", str(url.port or 5432)]
    for tool, user, args in (("createdb", url.username or "postgres", ["-O", role, "-T", "template0", name]),
                             ("pg_restore", role, ["--no-owner", "--exit-on-error", "-d", name, str(dump)])):
        path = backup_service.find_pg_tool(tool)
        assert path, f"{tool} not found"
        done = subprocess.run([path, *host, "-U", user, *args], capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
    return url.set(username=role, password=None).render_as_string(hide_password=False)


def _drop_role(server, role: str) -> None:
    with server.admin.connect() as conn:
        conn.execute(text(f"DROP ROLE IF EXISTS {role}"))


def test_backup_while_writing_then_restore_into_a_new_instance(app, runner, db_backend, database_url,
                                                                tmp_path, redis_server, clock, request):
    with app.app_context():
        session = get_session()
        session.add(Consultation(openid="o_before", text="备份前的留言", created_at=utcnow()))
        session.commit()
    writer = Writer(database_url)
    writer.start()
    try:
        writer.wait_for(20)
        at_start = writer.pairs
        dump = tmp_path / "backup.dump"
        result = cli(runner, app, "db", "backup", "--out", str(dump))
        at_end = writer.pairs
        assert result.exit_code == 0, result.output
        assert "已备份" in result.output and str(dump) in result.output
        writer.wait_for(at_end + 5)  # the writer was never blocked or broken by the backup
    finally:
        writer.stop.set()
        writer.join(timeout=30)
    assert writer.error is None, writer.error
    assert not any(p.name.startswith(".backup.dump.partial") for p in tmp_path.iterdir())

    url = restore(db_backend, dump, tmp_path, request)
    restored_dir = tmp_path / "restored"
    restored_dir.mkdir(exist_ok=True)
    restored = create_app(settings=make_settings(restored_dir, url), clock=clock, redis_client=redis_server,
                          redis_prefix="test-restored:")
    try:
        upgrade = cli(runner, restored, "db", "upgrade")
        assert upgrade.exit_code == 0 and "已是最新版本" in upgrade.output, upgrade.output
        with restored.app_context():
            session = get_session()
            assert session.scalar(select(Consultation.text).where(Consultation.openid == "o_before")) == "备份前的留言"
            per_pair = session.execute(
                select(Consultation.text, func.count()).where(Consultation.text.like("pair %"))
                .group_by(Consultation.text)
            ).all()
        pairs = {text: count for text, count in per_pair}
        assert set(pairs.values()) == {2}  # whole transactions only
        assert at_start <= len(pairs) <= at_end + 1
        assert pairs.keys() == {f"pair {n}" for n in range(len(pairs))}  # no gaps: one snapshot
        # The restored instance works as the bot: a new record goes in after the restored ones.
        with restored.app_context():
            session = get_session()
            session.add(Consultation(openid="o_after", text="恢复后的留言", created_at=utcnow()))
            session.commit()
            assert session.scalar(select(func.count()).select_from(Consultation)) == 2 * len(pairs) + 2
    finally:
        restored.extensions["wechat_bot"].store.clear()
        restored.extensions["wechat_bot"].database.dispose()


def test_backup_refuses_to_overwrite_and_needs_an_existing_directory(app, runner, tmp_path):
    existing = tmp_path / "old.dump"
    existing.write_bytes(b"an earlier backup")
    result = cli(runner, app, "db", "backup", "--out", str(existing))
    assert result.exit_code == 1 and "已存在" in result.output
    assert existing.read_bytes() == b"an earlier backup"
    result = cli(runner, app, "db", "backup", "--out", str(tmp_path / "missing" / "x.dump"))
    assert result.exit_code == 1 and "目录不存在" in result.output
    assert cli(runner, app, "db", "backup", "--out", str(existing), "--force").exit_code == 0
    assert existing.read_bytes() != b"an earlier backup"


def test_without_pg_dump_the_backup_says_what_to_install(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    monkeypatch.setattr(backup_service, "PG_BIN_GLOB", str(tmp_path / "nothing" / "*"))
    out = tmp_path / "pg.dump"
    with pytest.raises(backup_service.BackupError, match="找不到 pg_dump.*postgresql-client"):
        backup_service.backup("postgresql+psycopg://bot@127.0.0.1:5432/wechat_bot", out)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.skipif(backup_service.find_pg_tool("pg_dump") is None, reason="pg_dump is not installed")
def test_a_failed_pg_dump_leaves_no_file(tmp_path):
    out = tmp_path / "pg.dump"
    with pytest.raises(backup_service.BackupError, match="pg_dump 失败"):
        backup_service.backup("postgresql+psycopg://bot:secret@127.0.0.1:1/wechat_bot", out)
    assert list(tmp_path.iterdir()) == []


def test_the_password_goes_to_pg_dump_by_environment_not_command_line():
    url, env = backup_service.libpq_url("postgresql+psycopg://bot:s3cret@db.local:5433/wechat_bot")
    assert url == "postgresql://bot@db.local:5433/wechat_bot"
    assert env == {"PGPASSWORD": "s3cret"}

"""The Alembic migrations build exactly the models' schema, on every backend, and
the portable types round-trip (naive-UTC timestamps, booleans, binary covers)."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, select, text
from sqlalchemy.orm import Session

from wechat_bot.db import make_engine
from wechat_bot.migrate import alembic_config, current_revision, head_revision, upgrade
from wechat_bot.models import Base, Notice, User


@pytest.fixture
def engine(database_url):
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


def test_the_migrated_schema_is_the_models_schema(engine):
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True, "compare_server_default": True})
        assert compare_metadata(context, Base.metadata) == []
    assert current_revision(engine) == head_revision(engine)


def test_downgrade_to_nothing_and_upgrade_again(engine):
    config = alembic_config(engine)
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.downgrade(config, "base")
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    before, after = upgrade(engine)
    assert before is None and after == head_revision(engine)
    assert {"users", "notices", "notice_events", "consultations", "posts"} <= set(inspect(engine).get_table_names())


def test_portable_types_round_trip(engine, db_backend):
    columns = {c["name"]: c["type"] for c in inspect(engine).get_columns("notices")}
    expected = {"sqlite": ("BLOB", "DATETIME", "BOOLEAN"), "postgresql": ("BYTEA", "TIMESTAMP", "BOOLEAN")}
    assert (columns["cover_data"].__visit_name__.upper(), columns["created_at"].__visit_name__.upper(),
            columns["original"].__visit_name__.upper()) == expected[db_backend]
    assert getattr(columns["created_at"], "timezone", False) is False  # naive UTC, on both

    beijing = timezone(timedelta(hours=8))
    written = datetime(2026, 1, 1, 7, 30, 15, 123456, tzinfo=beijing)
    cover = bytes(range(256)) * 4  # every byte value, NUL included
    with Session(engine) as session:
        user = User(name="王编辑", display_name="王编辑", role="editor", password_hash="x", created_at=written)
        session.add(user)
        session.flush()
        notice = Notice(title="测试", category="police_news", created_by_id=user.id, created_at=written,
                        updated_at=written, cover_data=cover, cover_mime="image/jpeg", cover_size=len(cover))
        session.add(notice)
        session.commit()
    with Session(engine) as session:
        notice = session.scalars(select(Notice)).one()
        user = session.scalars(select(User)).one()
        assert notice.created_at == written and notice.created_at.tzinfo is UTC
        assert notice.created_at.hour == 23 and notice.created_at.day == 31  # stored as UTC
        assert notice.cover_data == cover
        assert notice.original is False and user.active is True  # Boolean defaults
        assert notice.version == 1
        raw = session.execute(text("SELECT created_at FROM notices")).scalar_one()
        assert str(raw) == "2025-12-31 23:30:15.123456"  # naive UTC in the table (SQLite keeps text)


# Starting on an outdated schema: refused with one line (run, web, scheduler, gunicorn's master),
# since the bot would otherwise start and fail on every consultation while /healthz looks fine.

def _migrate_to(engine, revision: str) -> None:
    config = alembic_config(engine)
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.downgrade(config, revision)


def test_the_schema_check_names_what_to_do(engine):
    from wechat_bot.migrate import schema_problem

    assert schema_problem(engine) is None  # migrated: serve
    head = head_revision(engine)
    _migrate_to(engine, "-1")
    behind = schema_problem(engine)
    assert behind is not None and head in behind and "db upgrade" in behind
    _migrate_to(engine, "base")
    assert "还没有建表" in (schema_problem(engine) or "")
    upgrade(engine)
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    assert "比这份程序新" in (schema_problem(engine) or "")


def test_an_unreachable_database_is_no_reason_to_refuse():
    from wechat_bot.migrate import schema_problem

    engine = make_engine("postgresql+psycopg://bot@127.0.0.1:9/nowhere?connect_timeout=2")
    try:
        assert schema_problem(engine) is None  # it starts, and answers with the fixed reply until the database is back
    finally:
        engine.dispose()


def test_an_unmigrated_database_stops_every_server_with_one_line(tmp_path):
    import socket

    from tests.startup_support import REAL_ACCOUNT, REAL_BUREAU, cli, gunicorn, start, the_one_refusal

    config = tmp_path / "config.toml"
    config.write_text(REAL_ACCOUNT + REAL_BUREAU, encoding="utf-8")
    with socket.socket() as probe:  # a free port, in case `run` got as far as serving
        probe.bind(("127.0.0.1", 0))
        port = str(probe.getsockname()[1])
    for command_line in (cli(config, "run", "--port", port), cli(config, "scheduler"), gunicorn()):
        assert "还没有建表" in the_one_refusal(start(command_line, tmp_path), "db upgrade"), command_line

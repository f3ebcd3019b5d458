"""Schema migrations: Alembic, run only through `python app.py db upgrade`."""
from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Engine

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"


def alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False))
    return config


def upgrade(engine: Engine) -> tuple[str | None, str | None]:
    """Bring the schema to the newest revision; returns (before, after)."""
    before = current_revision(engine)
    config = alembic_config(engine)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
    return before, current_revision(engine)


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def head_revision(engine: Engine) -> str | None:
    return ScriptDirectory.from_config(alembic_config(engine)).get_current_head()


def schema_problem(engine: Engine) -> str | None:
    """Why the bot must not start serving on this database, or None.

    A schema behind the code (``db upgrade`` never run, or forgotten after an upgrade of
    the code) would let the bot start and then fail on every consultation and every page
    of the console while /healthz says the database is fine. A database that does not
    answer is not a reason: the bot starts anyway and gives citizens its short fixed
    reply until the database is back (tests/test_database_down.py)."""
    from sqlalchemy.exc import SQLAlchemyError

    from .db import is_unavailable

    try:
        current = current_revision(engine)
    except SQLAlchemyError as exc:
        if is_unavailable(exc):
            return None
        raise
    scripts = ScriptDirectory.from_config(alembic_config(engine))
    head = scripts.get_current_head()
    if current == head:
        return None
    if current is None:
        return "数据库还没有建表：请先执行 db upgrade（README“正式部署”第 5 步），再启动"
    if current not in {script.revision for script in scripts.walk_revisions()}:
        return f"数据库版本 {current} 比这份程序新（程序只认到 {head}）：请换回与数据库相同或更新的程序"
    return f"数据库版本 {current} 旧于程序需要的 {head}：升级程序后要先执行 db upgrade，再启动"

"""users: a folded name key (unique) and a session epoch for revoking console sessions

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01
"""
from __future__ import annotations

import unicodedata

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def _fold(name: str) -> str:
    # As services.users.name_key (a migration keeps its own copy: the service may change).
    return unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", name).casefold())


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("name_key", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("session_epoch", sa.Integer(), nullable=False, server_default="0"))
    users = sa.table("users", sa.column("id", sa.Integer), sa.column("name", sa.String),
                     sa.column("name_key", sa.String))
    connection = op.get_bind()
    taken: set[str] = set()
    for user_id, name in connection.execute(sa.select(users.c.id, users.c.name).order_by(users.c.id)):
        key = _fold(name)[:64]
        if key in taken:
            # Two accounts that differ only in case (SQLite's lower() folded ASCII only):
            # the older keeps the name; the newer can be signed into only after renaming.
            key = f"{key[:50]}#{user_id}"
        taken.add(key)
        connection.execute(users.update().where(users.c.id == user_id).values(name_key=key))
    with op.batch_alter_table("users") as batch:
        batch.alter_column("name_key", existing_type=sa.String(length=64), nullable=False)
        batch.alter_column("session_epoch", existing_type=sa.Integer(), server_default=None)
        batch.create_unique_constraint(batch.f("uq_users_name_key"), ["name_key"])


def downgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.drop_constraint(batch.f("uq_users_name_key"), type_="unique")
        batch.drop_column("session_epoch")
        batch.drop_column("name_key")

"""the post log (posts): one row per article published on any channel

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "posts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=32), nullable=False),
        sa.Column("category", sa.String(length=32), nullable=False),
        sa.Column("title", sa.String(length=256), nullable=False),
        sa.Column("published_at", sa.DateTime(), nullable=False),
        sa.Column("local_year", sa.Integer(), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("external_id", sa.String(length=128), nullable=True),
        sa.Column("dedup_key", sa.String(length=64), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("notice_id", sa.Integer(), nullable=True),
        sa.Column("article_index", sa.Integer(), nullable=True),
        sa.Column("original", sa.Boolean(), nullable=False),
        sa.Column("msg_id", sa.String(length=64), nullable=True),
        sa.Column("publish_id", sa.String(length=64), nullable=True),
        sa.Column("article_id", sa.String(length=128), nullable=True),
        sa.Column("sent_count", sa.Integer(), nullable=True),
        sa.Column("error_count", sa.Integer(), nullable=True),
        sa.Column("filter_count", sa.Integer(), nullable=True),
        sa.Column("total_count", sa.Integer(), nullable=True),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["notice_id"], ["notices.id"], name=op.f("fk_posts_notice_id_notices")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_posts")),
        sa.UniqueConstraint("dedup_key", name=op.f("uq_posts_dedup_key")),
    )
    with op.batch_alter_table("posts") as batch:
        batch.create_index(batch.f("ix_posts_channel"), ["channel"])
        batch.create_index(batch.f("ix_posts_category"), ["category"])
        batch.create_index(batch.f("ix_posts_published_at"), ["published_at"])
        batch.create_index(batch.f("ix_posts_local_year"), ["local_year"])
        batch.create_index(batch.f("ix_posts_notice_id"), ["notice_id"])
        batch.create_index(batch.f("ix_posts_msg_id"), ["msg_id"])
        batch.create_index(batch.f("ix_posts_publish_id"), ["publish_id"])


def downgrade() -> None:
    op.drop_table("posts")

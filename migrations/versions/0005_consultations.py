"""consultations: every message of a consultation, its kind and WeChat window;
questions no guide answered (anonymous counts)

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("consultations") as batch:
        batch.add_column(sa.Column("kind", sa.String(length=8), nullable=False, server_default="咨询"))
        batch.add_column(sa.Column("kind_by", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("answered_via", sa.String(length=8), nullable=True))
        batch.add_column(sa.Column("last_citizen_at", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("replies_in_window", sa.Integer(), nullable=False, server_default="0"))
    # The defaults filled the existing rows; from here on the models supply them.
    with op.batch_alter_table("consultations") as batch:
        batch.alter_column("kind", existing_type=sa.String(length=8), server_default=None)
        batch.alter_column("replies_in_window", existing_type=sa.Integer(), server_default=None)
    op.create_table(
        "consultation_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("consultation_id", sa.Integer(), nullable=False),
        sa.Column("direction", sa.String(length=8), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("author", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["consultation_id"], ["consultations.id"],
            name=op.f("fk_consultation_messages_consultation_id_consultations"), ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consultation_messages")),
    )
    with op.batch_alter_table("consultation_messages") as batch:
        batch.create_index(batch.f("ix_consultation_messages_consultation_id"), ["consultation_id"])
        batch.create_index(batch.f("ix_consultation_messages_created_at"), ["created_at"])
    op.create_table(
        "unanswered_questions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("normalised_text", sa.String(length=200), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("first_seen", sa.DateTime(), nullable=False),
        sa.Column("last_seen", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_unanswered_questions")),
        sa.UniqueConstraint("normalised_text", name=op.f("uq_unanswered_questions_normalised_text")),
    )
    with op.batch_alter_table("unanswered_questions") as batch:
        batch.create_index(batch.f("ix_unanswered_questions_last_seen"), ["last_seen"])


def downgrade() -> None:
    op.drop_table("unanswered_questions")
    op.drop_table("consultation_messages")
    with op.batch_alter_table("consultations") as batch:
        for name in ("replies_in_window", "last_citizen_at", "answered_via", "kind_by", "kind"):
            batch.drop_column(name)

"""publishing: bundles (idempotency key, draft, msg_id/publish_id, retries), uploaded covers, job events, notice → bundle

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "publish_bundles",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=40), nullable=False),
        sa.Column("mode", sa.String(length=8), nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("slot", sa.String(length=40), nullable=True),
        sa.Column("notice_ids", sa.Text(), nullable=False),
        sa.Column("media_id", sa.String(length=128), nullable=True),
        sa.Column("send_attempted_at", sa.DateTime(), nullable=True),
        sa.Column("msg_id", sa.String(length=64), nullable=True),
        sa.Column("msg_data_id", sa.String(length=64), nullable=True),
        sa.Column("publish_id", sa.String(length=64), nullable=True),
        sa.Column("sent_at", sa.DateTime(), nullable=True),
        sa.Column("job_status", sa.String(length=64), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("locked_by", sa.String(length=64), nullable=True),
        sa.Column("locked_until", sa.DateTime(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_publish_bundles")),
        sa.UniqueConstraint("key", name=op.f("uq_publish_bundles_key")),
        sa.UniqueConstraint("slot", name=op.f("uq_publish_bundles_slot")),
    )
    with op.batch_alter_table("publish_bundles") as batch:
        batch.create_index(batch.f("ix_publish_bundles_state"), ["state"])
        batch.create_index(batch.f("ix_publish_bundles_msg_id"), ["msg_id"])
        batch.create_index(batch.f("ix_publish_bundles_publish_id"), ["publish_id"])
        batch.create_index(batch.f("ix_publish_bundles_next_attempt_at"), ["next_attempt_at"])
    op.create_table(
        "wechat_media",
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("thumb_media_id", sa.String(length=128), nullable=True),
        sa.Column("image_url", sa.Text(), nullable=True),
        sa.Column("uploaded_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("sha256", name=op.f("pk_wechat_media")),
    )
    op.create_table(
        "publish_job_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("ref", sa.String(length=64), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("received_at", sa.DateTime(), nullable=False),
        sa.Column("applied", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_publish_job_events")),
    )
    with op.batch_alter_table("publish_job_events") as batch:
        batch.create_index(batch.f("ix_publish_job_events_ref"), ["ref"])
    with op.batch_alter_table("notices") as batch:
        batch.add_column(sa.Column("bundle_id", sa.Integer(), nullable=True))
        batch.create_index(batch.f("ix_notices_bundle_id"), ["bundle_id"])


def downgrade() -> None:
    with op.batch_alter_table("notices") as batch:
        batch.drop_index(batch.f("ix_notices_bundle_id"))
        batch.drop_column("bundle_id")
    op.drop_table("publish_job_events")
    op.drop_table("wechat_media")
    op.drop_table("publish_bundles")

"""consultations: one index on (openid, status) for finding a citizen's open consultation

SQLite, with no statistics, chose the status index for ``openid = ? AND status = 'open'``
and read every open consultation for each citizen message. The composite index also
serves every query by openid alone, so the openid index goes.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01
"""
from __future__ import annotations

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("consultations") as batch:
        batch.create_index("ix_consultations_openid_status", ["openid", "status"])
        batch.drop_index(batch.f("ix_consultations_openid"))


def downgrade() -> None:
    with op.batch_alter_table("consultations") as batch:
        batch.create_index(batch.f("ix_consultations_openid"), ["openid"])
        batch.drop_index("ix_consultations_openid_status")

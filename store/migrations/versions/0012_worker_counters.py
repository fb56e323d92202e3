"""worker_counters: counts of chunk retries and sandbox failures, by reason

Revision ID: 0012
Revises: 0011
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "worker_counters",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("reason", sa.String(length=64), nullable=False),
        sa.Column("value", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("name", "reason", name=op.f("pk_worker_counters")),
    )


def downgrade() -> None:
    op.drop_table("worker_counters")

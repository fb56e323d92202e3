"""worker_counters: counts of chunk retries and sandbox failures, by reason

Revision ID: rel0009
Revises: 0008d
"""

import sqlalchemy as sa
from alembic import op

revision = "rel0009"
down_revision = "0008d"
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

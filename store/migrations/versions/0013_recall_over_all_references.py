"""recall over all reference labels: heuristic_stats.fn_voted

``fn`` now counts abstains as misses too; ``fn_voted`` keeps the misses on records the
heuristic voted on. Existing rows get NULL there, which marks their counts as the old ones:
the statistics of their task are recomputed when next read.

Revision ID: 0013
Revises: 0012
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("heuristic_stats", schema=None) as batch_op:
        batch_op.add_column(sa.Column("fn_voted", sa.Integer(), nullable=True))


def downgrade() -> None:
    # The old fn was the misses where the heuristic voted.
    op.execute("UPDATE heuristic_stats SET fn = fn_voted WHERE fn_voted IS NOT NULL")
    with op.batch_alter_table("heuristic_stats", schema=None) as batch_op:
        batch_op.drop_column("fn_voted")

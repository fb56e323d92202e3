"""labeling_tasks.auto_run: the task's labeling functions run again by themselves when
their votes are out of date

Revision ID: 0023
Revises: 0022
"""

import sqlalchemy as sa
from alembic import op

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("labeling_tasks") as batch_op:
        batch_op.add_column(sa.Column("auto_run", sa.Boolean(), nullable=False,
                                      server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table("labeling_tasks") as batch_op:
        batch_op.drop_column("auto_run")

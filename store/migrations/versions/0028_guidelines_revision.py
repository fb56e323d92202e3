"""labeling_tasks.guidelines_revision: +1 each time the guidelines change, so that a save
made on an older text is refused instead of overwriting another owner's

Revision ID: 0028
Revises: 0027
"""

import sqlalchemy as sa
from alembic import op

revision = "0028"
down_revision = "0027"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("labeling_tasks") as batch_op:
        batch_op.add_column(sa.Column("guidelines_revision", sa.Integer(), nullable=False,
                                      server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("labeling_tasks") as batch_op:
        batch_op.drop_column("guidelines_revision")

"""labeling_tasks.guidelines: how to label the task, shown to its annotators;
labels.description: what one label means

Revision ID: 0027
Revises: 0026
"""

import sqlalchemy as sa
from alembic import op

revision = "0027"
down_revision = "0026"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("labeling_tasks") as batch_op:
        batch_op.add_column(sa.Column("guidelines", sa.Text(), nullable=False,
                                      server_default=""))
    with op.batch_alter_table("labels") as batch_op:
        batch_op.add_column(sa.Column("description", sa.Text(), nullable=False,
                                      server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("labels") as batch_op:
        batch_op.drop_column("description")
    with op.batch_alter_table("labeling_tasks") as batch_op:
        batch_op.drop_column("guidelines")

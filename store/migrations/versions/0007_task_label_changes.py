"""labeling_tasks.label_changes: labelling acts on the task so far (auto-refit counts them)

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("labeling_tasks", schema=None) as batch_op:
        batch_op.add_column(sa.Column("label_changes", sa.Integer(), nullable=False,
                                      server_default="0"))
    # Start from what is stored: every label and review so far counts once.
    op.execute(
        "UPDATE labeling_tasks SET label_changes = "
        "(SELECT COUNT(*) FROM manual_labels WHERE manual_labels.task_id = labeling_tasks.id)"
        " + (SELECT COUNT(*) FROM reviews WHERE reviews.task_id = labeling_tasks.id)"
    )


def downgrade() -> None:
    with op.batch_alter_table("labeling_tasks", schema=None) as batch_op:
        batch_op.drop_column("label_changes")

"""consensus_labels: CROWDLAB's consensus of classification records whose annotators disagree

Revision ID: 0020
Revises: 0019
"""

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "consensus_labels",
        sa.Column("task_id", sa.Integer(), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("label_id", sa.Integer(), nullable=False),
        sa.Column("quality", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(["task_id"], ["labeling_tasks.id"], ondelete="CASCADE",
                                name=op.f("fk_consensus_labels_task_id_labeling_tasks")),
        sa.ForeignKeyConstraint(["record_id"], ["records.id"], ondelete="CASCADE",
                                name=op.f("fk_consensus_labels_record_id_records")),
        sa.ForeignKeyConstraint(["label_id"], ["labels.id"], ondelete="CASCADE",
                                name=op.f("fk_consensus_labels_label_id_labels")),
        sa.PrimaryKeyConstraint("task_id", "record_id", name=op.f("pk_consensus_labels")),
    )
    op.create_index("ix_consensus_labels_record_id", "consensus_labels", ["record_id"])


def downgrade() -> None:
    op.drop_index("ix_consensus_labels_record_id", table_name="consensus_labels")
    op.drop_table("consensus_labels")

"""active learning: per-task queue settings and leases of records being labelled

Revision ID: 0011
Revises: 0010
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "active_learning_settings",
        sa.Column("task_id", sa.Integer(), nullable=False),
        sa.Column("strategy", sa.String(length=32), nullable=False),
        sa.Column("batch_size", sa.Integer(), nullable=False),
        sa.Column("heuristic_id", sa.Integer(), nullable=True),
        sa.Column("active_run_id", sa.Integer(), nullable=True),
        sa.Column("latest_run_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["task_id"], ["labeling_tasks.id"], ondelete="CASCADE",
                                name=op.f("fk_active_learning_settings_task_id_labeling_tasks")),
        sa.ForeignKeyConstraint(["heuristic_id"], ["heuristics.id"], ondelete="SET NULL",
                                name=op.f("fk_active_learning_settings_heuristic_id_heuristics")),
        sa.ForeignKeyConstraint(["active_run_id"], ["runs.id"], ondelete="SET NULL",
                                name=op.f("fk_active_learning_settings_active_run_id_runs")),
        sa.ForeignKeyConstraint(["latest_run_id"], ["runs.id"], ondelete="SET NULL",
                                name=op.f("fk_active_learning_settings_latest_run_id_runs")),
        sa.PrimaryKeyConstraint("task_id", name=op.f("pk_active_learning_settings")),
    )
    op.create_table(
        "queue_leases",
        sa.Column("task_id", sa.Integer(), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("annotator_id", sa.Integer(), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["task_id"], ["labeling_tasks.id"], ondelete="CASCADE",
                                name=op.f("fk_queue_leases_task_id_labeling_tasks")),
        sa.ForeignKeyConstraint(["record_id"], ["records.id"], ondelete="CASCADE",
                                name=op.f("fk_queue_leases_record_id_records")),
        sa.ForeignKeyConstraint(["annotator_id"], ["users.id"], ondelete="CASCADE",
                                name=op.f("fk_queue_leases_annotator_id_users")),
        sa.PrimaryKeyConstraint("task_id", "record_id", name=op.f("pk_queue_leases")),
    )
    op.create_index("ix_queue_leases_task_annotator", "queue_leases",
                    ["task_id", "annotator_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_queue_leases_task_annotator", table_name="queue_leases")
    op.drop_table("queue_leases")
    op.drop_table("active_learning_settings")

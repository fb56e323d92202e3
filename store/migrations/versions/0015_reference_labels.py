"""reference_labels: each record's reference label per classification task, stored

Revision ID: 0015
Revises: 0014
"""

import sqlalchemy as sa
from alembic import op

from store.reference import plurality_label_ids

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "reference_labels",
        sa.Column("task_id", sa.Integer(), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("label_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["task_id"], ["labeling_tasks.id"], ondelete="CASCADE",
                                name=op.f("fk_reference_labels_task_id_labeling_tasks")),
        sa.ForeignKeyConstraint(["record_id"], ["records.id"], ondelete="CASCADE",
                                name=op.f("fk_reference_labels_record_id_records")),
        sa.ForeignKeyConstraint(["label_id"], ["labels.id"], ondelete="CASCADE",
                                name=op.f("fk_reference_labels_label_id_labels")),
        sa.PrimaryKeyConstraint("task_id", "record_id", name=op.f("pk_reference_labels")),
    )
    op.create_index("ix_reference_labels_record_id", "reference_labels", ["record_id"])
    op.create_index("ix_reference_labels_task_label_record", "reference_labels",
                    ["task_id", "label_id", "record_id"])
    _backfill(op.get_bind())


def _backfill(bind) -> None:
    """The reference of every labelled record of every classification task, by the rule the
    application applies (:func:`store.reference.plurality_label_ids`)."""
    tasks = [task_id for task_id, in bind.execute(sa.text(
        "SELECT id FROM labeling_tasks WHERE kind = 'classification'"))]
    table = sa.table("reference_labels", sa.column("task_id"), sa.column("record_id"),
                     sa.column("label_id"))
    for task_id in tasks:
        rows = bind.execute(sa.text(
            "SELECT record_id, label_id, is_gold FROM manual_labels WHERE task_id = :task"),
            {"task": task_id}).all()
        winners = plurality_label_ids([tuple(row) for row in rows])
        if winners:
            bind.execute(table.insert(), [
                {"task_id": task_id, "record_id": rid, "label_id": label_id}
                for rid, label_id in winners.items()])


def downgrade() -> None:
    op.drop_index("ix_reference_labels_task_label_record", table_name="reference_labels")
    op.drop_index("ix_reference_labels_record_id", table_name="reference_labels")
    op.drop_table("reference_labels")

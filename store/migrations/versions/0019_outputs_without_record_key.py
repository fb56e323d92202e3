"""outputs.record_id: no foreign key to records and no index of its own

An output belongs to its run, and a run to its project: records are deleted only with their
project, whose runs take their outputs with them (through ``run_id``). The foreign key to
records cost a lookup for each output written and an index on ``record_id`` (for its
cascade): about a quarter of the time to write a run's outputs, for every run.

Revision ID: 0019
Revises: 0018
"""

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None

RECORD_KEY = "fk_outputs_record_id_records"
RECORD_INDEX = "ix_outputs_record_id"
WEAK_INDEX = "ix_outputs_run_confidence_record"
WEAK_COLUMNS = ["run_id", "confidence", "record_id"]
WEAK_OUTPUT = {"postgresql_where": sa.text("weak"), "sqlite_where": sa.text("weak = 1")}
"""As store.models.WEAK_OUTPUT when this revision was written."""


def upgrade() -> None:
    op.drop_index(RECORD_INDEX, table_name="outputs")
    if op.get_bind().dialect.name != "sqlite":
        op.drop_constraint(RECORD_KEY, "outputs", type_="foreignkey")
        return
    # SQLite drops a constraint by copying the table; the partial index is made again by
    # hand (the copy would not keep its condition).
    op.drop_index(WEAK_INDEX, table_name="outputs")
    with op.batch_alter_table("outputs", recreate="always") as batch:
        batch.drop_constraint(RECORD_KEY, type_="foreignkey")
    op.create_index(WEAK_INDEX, "outputs", WEAK_COLUMNS, **WEAK_OUTPUT)


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        op.create_foreign_key(RECORD_KEY, "outputs", "records", ["record_id"], ["id"],
                              ondelete="CASCADE")
    else:
        op.drop_index(WEAK_INDEX, table_name="outputs")
        with op.batch_alter_table("outputs", recreate="always") as batch:
            batch.create_foreign_key(RECORD_KEY, "records", ["record_id"], ["id"],
                                     ondelete="CASCADE")
        op.create_index(WEAK_INDEX, "outputs", WEAK_COLUMNS, **WEAK_OUTPUT)
    op.create_index(RECORD_INDEX, "outputs", ["record_id"])

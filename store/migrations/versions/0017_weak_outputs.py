"""outputs.weak: a weak supervision run's output; the index of confidences holds only those

Revision ID: 0017
Revises: 0016
"""

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

INDEX = "ix_outputs_run_confidence_record"
COLUMNS = ["run_id", "confidence", "record_id"]
WEAK_OUTPUT = {"postgresql_where": sa.text("weak"), "sqlite_where": sa.text("weak = 1")}
"""As store.models.WEAK_OUTPUT when this revision was written."""


def upgrade() -> None:
    op.add_column("outputs", sa.Column("weak", sa.Boolean(), nullable=False,
                                       server_default=sa.false()))
    op.execute(sa.text("UPDATE outputs SET weak = :weak WHERE run_id IN "
                       "(SELECT id FROM runs WHERE kind = 'weak_supervision')")
               .bindparams(weak=True))
    op.drop_index(INDEX, table_name="outputs")
    op.create_index(INDEX, "outputs", COLUMNS, **WEAK_OUTPUT)


def downgrade() -> None:
    op.drop_index(INDEX, table_name="outputs")
    op.create_index(INDEX, "outputs", COLUMNS)
    with op.batch_alter_table("outputs") as batch:
        batch.drop_column("weak")

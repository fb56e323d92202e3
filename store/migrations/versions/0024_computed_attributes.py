"""attributes.source, run_id and values_run_id: attributes computed by user code; their values
staged per run in computed_values until the run succeeded

Revision ID: 0024
Revises: 0023
"""

import sqlalchemy as sa
from alembic import op

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("attributes", sa.Column("source", sa.Text(), nullable=True))
    op.add_column("attributes", sa.Column("run_id", sa.Integer(), nullable=True))
    op.add_column("attributes", sa.Column("values_run_id", sa.Integer(), nullable=True))
    op.create_table(
        "computed_values",
        sa.Column("run_id", sa.Integer(), sa.ForeignKey("runs.id", ondelete="CASCADE"),
                  primary_key=True),
        sa.Column("record_id", sa.Integer(),
                  sa.ForeignKey("records.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("value", sa.JSON(none_as_null=False), nullable=True))


def downgrade() -> None:
    op.drop_table("computed_values")
    with op.batch_alter_table("attributes") as batch_op:
        batch_op.drop_column("values_run_id")
        batch_op.drop_column("run_id")
        batch_op.drop_column("source")

"""runs.failure: the typed reason of a failed run (not_enough_labels)

Revision ID: 0009
Revises: 0008d
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008d"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("runs", schema=None) as batch_op:
        batch_op.add_column(sa.Column(
            "failure", sa.Enum("not_enough_labels", name="run_failure", native_enum=False,
                               length=32), nullable=True))
    # Runs that failed before the reason was stored said it in their error's field.
    op.execute("UPDATE runs SET failure = 'not_enough_labels' "
               "WHERE status = 'failed' AND error LIKE '%field ''labels''%'")


def downgrade() -> None:
    with op.batch_alter_table("runs", schema=None) as batch_op:
        batch_op.drop_column("failure")

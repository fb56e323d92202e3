"""records.revision: how often a record's values were edited (what an edit was made from);
projects.records_edited: edits of the project's records so far, so that a run can tell the
edits made since it began

Revision ID: 0026
Revises: 0025
"""

import sqlalchemy as sa
from alembic import op

revision = "0026"
down_revision = "0025"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("projects") as batch_op:
        batch_op.add_column(sa.Column("records_edited", sa.Integer(), nullable=False,
                                      server_default="0"))
    with op.batch_alter_table("records") as batch_op:
        batch_op.add_column(sa.Column("revision", sa.Integer(), nullable=False,
                                      server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("records") as batch_op:
        batch_op.drop_column("revision")
    with op.batch_alter_table("projects") as batch_op:
        batch_op.drop_column("records_edited")

"""projects.record_count: the number of a project's records, kept on insert

Revision ID: 0014
Revises: 0013
"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("projects") as batch:
        batch.add_column(sa.Column("record_count", sa.Integer(), server_default="0",
                                   nullable=False))
    op.execute("UPDATE projects SET record_count = "
               "(SELECT count(*) FROM records WHERE records.project_id = projects.id)")


def downgrade() -> None:
    with op.batch_alter_table("projects") as batch:
        batch.drop_column("record_count")

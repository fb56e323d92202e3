"""embeddings.instance: tells an embedding from an earlier one that had its id

Revision ID: 0018
Revises: 0017
"""

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("embeddings", sa.Column("instance", sa.String(32), nullable=False,
                                          server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("embeddings") as batch:
        batch.drop_column("instance")

"""lookup_lists follow a label: the texts of its reference spans join the terms

Revision ID: 0022
Revises: 0021
"""

import sqlalchemy as sa
from alembic import op

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("lookup_lists") as batch_op:
        batch_op.add_column(sa.Column("follows_label_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("label_texts", sa.JSON(), nullable=False,
                                      server_default="[]"))
        batch_op.add_column(sa.Column("from_labels", sa.JSON(), nullable=False,
                                      server_default="[]"))
        batch_op.add_column(sa.Column("synced_changes", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(op.f("fk_lookup_lists_follows_label_id_labels"), "labels",
                                    ["follows_label_id"], ["id"], ondelete="SET NULL")


def downgrade() -> None:
    with op.batch_alter_table("lookup_lists") as batch_op:
        batch_op.drop_constraint(op.f("fk_lookup_lists_follows_label_id_labels"),
                                 type_="foreignkey")
        batch_op.drop_column("synced_changes")
        batch_op.drop_column("from_labels")
        batch_op.drop_column("label_texts")
        batch_op.drop_column("follows_label_id")

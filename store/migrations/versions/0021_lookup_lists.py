"""lookup_lists: a project's named term lists, read by labeling functions as ``knowledge``

Revision ID: 0021
Revises: 0020
"""

import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "lookup_lists",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("terms", sa.JSON(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["project_id"], ["projects.id"], ondelete="CASCADE",
                                name=op.f("fk_lookup_lists_project_id_projects")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lookup_lists")),
        sa.UniqueConstraint("project_id", "name", name=op.f("uq_lookup_lists_project_id")),
    )


def downgrade() -> None:
    op.drop_table("lookup_lists")

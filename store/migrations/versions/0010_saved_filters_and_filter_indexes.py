"""saved_filters; outputs (run_id, label_id, record_id) for vote and weak-label filters

Revision ID: 0010
Revises: 0009
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "saved_filters",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("record_filter", sa.JSON(), nullable=False),
        sa.Column("sort", sa.String(length=250), nullable=False),
        sa.Column("seed", sa.Integer(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["project_id"], ["projects.id"], ondelete="CASCADE",
                                name=op.f("fk_saved_filters_project_id_projects")),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"], ondelete="SET NULL",
                                name=op.f("fk_saved_filters_created_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_saved_filters")),
        sa.UniqueConstraint("project_id", "name", name=op.f("uq_saved_filters_project_id")),
    )
    op.create_index("ix_outputs_run_label_record", "outputs",
                    ["run_id", "label_id", "record_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_outputs_run_label_record", table_name="outputs")
    op.drop_table("saved_filters")

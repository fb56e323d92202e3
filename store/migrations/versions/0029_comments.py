"""comments: members' comments on records, open until resolved

Revision ID: 0029
Revises: 0028
"""

import sqlalchemy as sa
from alembic import op

revision = "0029"
down_revision = "0028"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "comments",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("project_id", sa.Integer(),
                  sa.ForeignKey("projects.id", ondelete="CASCADE"), nullable=False),
        sa.Column("record_id", sa.Integer(),
                  sa.ForeignKey("records.id", ondelete="CASCADE"), nullable=False),
        sa.Column("author_id", sa.Integer(),
                  sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("edited_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolved_by_id", sa.Integer(),
                  sa.ForeignKey("users.id", ondelete="SET NULL"), nullable=True),
    )
    op.create_index("ix_comments_record_id", "comments", ["record_id"])
    op.create_index("ix_comments_project_resolved", "comments", ["project_id", "resolved_at"])


def downgrade() -> None:
    op.drop_index("ix_comments_project_resolved", table_name="comments")
    op.drop_index("ix_comments_record_id", table_name="comments")
    op.drop_table("comments")

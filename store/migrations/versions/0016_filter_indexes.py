"""indexes of the record list's filters and sorts: weak-label confidences in order;
on PostgreSQL, attribute values (jsonb_path_ops) and, where pg_trgm is available, the
records' text for contains and search (trigrams)

Revision ID: 0016
Revises: 0015
"""

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

SEARCH_TEXT = """
CREATE OR REPLACE FUNCTION record_search_text(external_id text, data jsonb) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT external_id || E'\\n'
        || jsonb_path_query_array(data, 'strict $.* ? (@.type() == "string")')::text
$$
"""
"""A record's id and string values (text and category attributes) in one text: every value
is in it as is, unless it holds a quote, a backslash or a control character (escaped in
JSON). One expression (inlined where used), so the trigram index on it serves queries."""


def upgrade() -> None:
    op.create_index("ix_outputs_run_confidence_record", "outputs",
                    ["run_id", "confidence", "record_id"])
    if op.get_bind().dialect.name != "postgresql":
        return
    op.create_index("ix_records_data", "records", ["data"], postgresql_using="gin",
                    postgresql_ops={"data": "jsonb_path_ops"})
    op.execute(SEARCH_TEXT)
    if _trigrams(op.get_bind()):
        op.execute("CREATE INDEX ix_records_search_text ON records USING gin "
                   "(record_search_text(external_id, data) gin_trgm_ops)")


def _trigrams(bind) -> bool:
    """Is pg_trgm installed (created here if the server has it and we may)? Without it the
    text filters read every record, as before."""
    savepoint = bind.begin_nested()
    try:
        bind.execute(sa.text("CREATE EXTENSION IF NOT EXISTS pg_trgm"))
    except sa.exc.DBAPIError:
        savepoint.rollback()
        return False
    savepoint.commit()
    return True


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_records_search_text")
        op.execute("DROP FUNCTION IF EXISTS record_search_text(text, jsonb)")
        op.drop_index("ix_records_data", table_name="records")
    op.drop_index("ix_outputs_run_confidence_record", table_name="outputs")

"""Persistence: SQLAlchemy models, engine and sessions, queries, migrations."""

"""Persistence: SQLAlchemy 2.0 models, engine creation with safe SQLite settings, Alembic migrations."""

"""Alembic environment: runs on the connection handed over by store.migrate (never on its own engine)."""

from __future__ import annotations

from alembic import context

from safeguard_desktop.store.models import Base

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=True,
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()

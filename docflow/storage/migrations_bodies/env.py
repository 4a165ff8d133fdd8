"""Alembic environment of docflow's bodies' store (chambers, offices, record links): always run
on a connection handed in by ``docflow.storage.open_database`` (no alembic.ini, no URL of its
own)."""

from __future__ import annotations

from alembic import context

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=None,  # migrations are written by hand (versions/); no autogenerate
    version_table="docflow_bodies_version",
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()

"""Alembic environment of docflow's web store: always run on a connection handed in by
``docflow.storage.open_database`` (no alembic.ini, no URL of its own)."""

from docflow.storage._alembic_env import run_migrations

run_migrations("docflow_web_version")

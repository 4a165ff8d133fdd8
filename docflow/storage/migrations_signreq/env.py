"""Alembic environment of docflow's signing requests store (own mode, issue 15/18): always run
on a connection handed in by ``docflow.storage.open_database`` (no alembic.ini, no URL of its
own)."""

from docflow.storage._alembic_env import run_migrations

run_migrations("docflow_signreq_version")

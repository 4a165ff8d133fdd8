"""What every store's Alembic ``env.py`` does: run its migrations on the connection
``docflow.storage.open_database`` hands in (no alembic.ini, no URL of its own), with the
store's own version table, so that the stores can share one database."""

from __future__ import annotations


def run_migrations(version_table: str) -> None:
    from alembic import context

    connection = context.config.attributes["connection"]
    context.configure(
        connection=connection,
        target_metadata=None,  # migrations are written by hand (versions/); no autogenerate
        version_table=version_table,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()

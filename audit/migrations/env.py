"""Alembic runtime environment: runs the revisions on the connection handed in by audit.migrate."""

from __future__ import annotations

from alembic import context

from audit.schema import metadata


def run_migrations() -> None:
    """Run the pending revisions in the caller's transaction (online mode only)."""
    connection = context.config.attributes.get("connection")
    if connection is None:
        raise RuntimeError("run migrations through audit.migrate.upgrade(engine), which passes a connection")
    # DDL is transactional on both SQLite and PostgreSQL: a failed revision leaves no half-made schema.
    context.configure(connection=connection, target_metadata=metadata, transactional_ddl=True)
    with context.begin_transaction():
        context.run_migrations()


run_migrations()

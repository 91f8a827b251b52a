"""Alembic environment of the event store (driven from audit.migrate, never from an alembic.ini)."""

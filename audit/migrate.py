"""Schema migrations (Alembic), run programmatically by `compliance db upgrade` and at service start."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, text

from audit.database import connect, write_transaction

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
# Any fixed 64-bit number: PostgreSQL advisory lock serialising concurrent upgrades (two service starts).
_UPGRADE_LOCK = 0x636F6D706C69


def _config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    """The newest revision this code knows."""
    head = ScriptDirectory.from_config(_config()).get_current_head()
    assert head is not None  # noqa: S101 - the package ships at least one revision
    return head


def upgrade(engine: Engine | Connection, *, revision: str = "head") -> None:
    """Bring the schema up to `revision` in one transaction; concurrent callers wait for each other."""
    with write_transaction(engine) as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _UPGRADE_LOCK})
        command.upgrade(_config(conn), revision)


def current_revision(engine: Engine | Connection) -> str | None:
    """The revision the database is at (None for an empty database)."""
    with connect(engine) as conn:
        return MigrationContext.configure(conn).get_current_revision()


def is_up_to_date(engine: Engine | Connection) -> bool:
    """True when the database is at this code's head revision."""
    return current_revision(engine) == head_revision()

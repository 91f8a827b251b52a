"""`compliance db upgrade|current`: the schema migrations of the event store."""

from __future__ import annotations

import structlog
import typer
from sqlalchemy.engine import make_url

from api.log_config import configure_logging
from api.settings import Settings
from audit.database import make_engine
from audit.migrate import current_revision, head_revision, upgrade

log = structlog.get_logger()


def register(app: typer.Typer) -> None:
    """Add the `db` command group."""
    db = typer.Typer(no_args_is_help=True, help="The database schema (Alembic migrations).")
    db.command("upgrade")(upgrade_command)
    db.command("current")(current_command)
    app.add_typer(db, name="db")


def upgrade_command() -> None:
    """Bring the database schema up to the newest revision (safe to run repeatedly)."""
    settings = Settings()
    configure_logging(settings)
    engine = make_engine(settings.effective_database_url)
    try:
        before = current_revision(engine)
        upgrade(engine)
        after = current_revision(engine)
    finally:
        engine.dispose()
    url = make_url(settings.effective_database_url).render_as_string(hide_password=True)
    log.info("schema_upgraded", database=url, before=before, after=after)
    typer.echo(f"database at revision {after} (was {before or 'empty'})")


def current_command() -> None:
    """Print the schema revision of the database and whether it is up to date."""
    settings = Settings()
    configure_logging(settings)
    engine = make_engine(settings.effective_database_url)
    try:
        revision = current_revision(engine)
    finally:
        engine.dispose()
    head = head_revision()
    typer.echo(f"{revision or 'empty'} ({'up to date' if revision == head else f'head is {head}'})")
    if revision != head:
        raise typer.Exit(1)

"""`compliance import FILE...`: board case files (CONTRACT §5) into the log through the one write path."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import structlog
import typer

from api import recording
from api.log_config import configure_logging
from api.settings import Settings
from audit.database import make_engine
from audit.importer import import_files
from audit.migrate import upgrade
from audit.store import AppendPolicy

log = structlog.get_logger()

Files = Annotated[
    list[Path],
    typer.Argument(exists=True, dir_okay=False, readable=True, help="Case files: one JSON case, or JSON Lines."),
]


def register(app: typer.Typer) -> None:
    """Add the `import` command."""
    app.command("import")(import_command)


def append_policy(settings: Settings) -> AppendPolicy:
    """The same policy as the API's write path, projection hook included."""
    return recording.append_policy(settings)


def import_command(files: Files) -> None:
    """Append each case of each file as a new case; a case with any invalid event is imported not at all."""
    settings = Settings()
    configure_logging(settings)
    logging.getLogger("alembic").setLevel(logging.WARNING)  # migration chatter belongs to `db upgrade`
    engine = make_engine(settings.effective_database_url)
    try:
        upgrade(engine)
        outcomes = import_files(engine, files, now=datetime.now(UTC), policy=append_policy(settings))
    finally:
        engine.dispose()
    for outcome in outcomes:
        typer.echo(outcome.describe())
    counts = {status: sum(o.status == status for o in outcomes) for status in ("imported", "unchanged", "rejected")}
    log.info("cases_imported", files=len(files), **counts)
    if counts["rejected"]:
        raise typer.Exit(1)

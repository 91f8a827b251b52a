"""CLI: `compliance projections rebuild` (replay the log into case_summary and clock_rows)."""

from __future__ import annotations

import time

import structlog
import typer

from api.log_config import configure_logging
from api.settings import Settings
from audit.database import make_engine
from audit.migrate import upgrade
from audit.projections import DEFAULT_PAGE, rebuild

log = structlog.get_logger()


def register(app: typer.Typer) -> None:
    """Add the `projections` command group."""
    group = typer.Typer(no_args_is_help=True, help="Read models derived from the log (case summaries, clocks).")
    group.command("rebuild")(rebuild_command)
    app.add_typer(group, name="projections")


def rebuild_command(
    page_size: int = typer.Option(DEFAULT_PAGE, min=1, max=10_000, help="Cases replayed per page (memory bound)."),
) -> None:
    """Truncate the projections and replay the whole log, case by case, in constant memory.

    Appends wait while it runs (it holds the log head so no event slips between replay and commit).
    """
    settings = Settings()
    configure_logging(settings)
    engine = make_engine(settings.effective_database_url)
    try:
        upgrade(engine)
        started = time.perf_counter()
        report = rebuild(engine, calendar=settings.calendar_policy, page_size=page_size,
                         readings=settings.readings)
    finally:
        engine.dispose()
    seconds = time.perf_counter() - started
    log.info("projections_rebuilt", cases=report.cases, events=report.events, clocks=report.clocks,
             failed=report.failed, seconds=round(seconds, 3))
    typer.echo(f"rebuilt {report.cases} cases ({report.events} events, {report.clocks} clocks, "
               f"{report.failed} failed) in {seconds:.1f} s")
    if report.failed:
        raise typer.Exit(1)

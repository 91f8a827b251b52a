"""`compliance demo --cases N --seed S`: write a synthetic servicing portfolio through the real write path."""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime
from typing import Annotated
from zoneinfo import ZoneInfo

import structlog
import typer

from api.commands.importing import append_policy
from api.log_config import configure_logging
from api.settings import Settings
from audit.database import make_engine
from audit.demo import DemoReport, seed_demo
from audit.migrate import upgrade

log = structlog.get_logger()
DEFAULT_CASES, DEFAULT_SEED = 500, 7


def register(app: typer.Typer) -> None:
    """Add the `demo` command."""
    app.command("demo")(demo_command)


def seed_demo_portfolio(
    settings: Settings, *, cases: int = DEFAULT_CASES, seed: int = DEFAULT_SEED, today: date | None = None
) -> DemoReport:
    """Migrate the configured database and seed the demo portfolio dated around today (`serve --demo` calls this)."""
    now = datetime.now(UTC)
    # "Today" is the servicer's calendar day (CONTRACT §1: the default legal zone is the servicer's).
    day = today or now.astimezone(ZoneInfo(settings.default_timezone)).date()
    logging.getLogger("alembic").setLevel(logging.WARNING)  # migration chatter belongs to `db upgrade`
    engine = make_engine(settings.effective_database_url)
    try:
        upgrade(engine)
        report = seed_demo(engine, cases=cases, seed=seed, today=day, now=now, policy=append_policy(settings),
                           calendar=settings.calendar_policy, readings=settings.readings)
    finally:
        engine.dispose()
    log.info("demo_seeded", cases=report.cases, imported=report.imported, existing=report.existing,
             rejected=len(report.rejected), events=report.events, today=day.isoformat(), seed=seed, **report.clocks)
    return report


def _today(value: str | None) -> date | None:
    if value is None:
        return None
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"{value!r} is not a date (YYYY-MM-DD)") from None
    if day > datetime.now(UTC).date():
        raise typer.BadParameter("the portfolio cannot be dated in the future: the store refuses future events")
    return day


def demo_command(
    *,
    cases: Annotated[int, typer.Option(min=1, help="How many cases to generate.")] = DEFAULT_CASES,
    seed: Annotated[int, typer.Option(help="Seed: the same seed and day give the same portfolio.")] = DEFAULT_SEED,
    today: Annotated[
        str | None, typer.Option(help="Date the portfolio around this day (YYYY-MM-DD); default: today.")
    ] = None,
) -> None:
    """Seed a realistic synthetic portfolio (idempotent: cases already in the log are left as they are)."""
    settings = Settings()
    configure_logging(settings)
    report = seed_demo_portfolio(settings, cases=cases, seed=seed, today=_today(today))
    for line in report.lines():
        typer.echo(line)
    if report.rejected:
        raise typer.Exit(1)

"""CLI: `compliance scheduler` runs the monitoring jobs standalone until SIGTERM or SIGINT."""

from __future__ import annotations

import typer

from api.scheduler import run_until_signalled
from api.settings import Settings


def register(app: typer.Typer) -> None:
    """Add the `scheduler` command."""
    app.command("scheduler")(scheduler_command)


def scheduler_command() -> None:
    """Run the breach and approaching scans, delivery retries and the daily digest until stopped.

    Several processes may run this against one PostgreSQL database: each alert is still raised and
    delivered once (docs/monitoring.md).
    """
    run_until_signalled(Settings())

"""`compliance serve`: run the HTTP API under uvicorn through the create_app factory."""

from __future__ import annotations

import importlib
import importlib.util
from typing import Annotated

import typer
import uvicorn

from api.settings import Settings

# The demo issue's hook: api.commands.demo.seed_demo_portfolio(settings) writes a portfolio through the log.
DEMO_MODULE, DEMO_HOOK = "api.commands.demo", "seed_demo_portfolio"


def register(app: typer.Typer) -> None:
    """Add the `serve` command."""
    app.command("serve")(serve_command)


def _seed_demo(settings: Settings) -> bool:
    """Seed the demo portfolio when the demo module provides its hook; False when it does not (yet)."""
    if importlib.util.find_spec(DEMO_MODULE) is None:
        return False
    hook = getattr(importlib.import_module(DEMO_MODULE), DEMO_HOOK, None)
    if hook is None:
        return False
    hook(settings)
    return True


def serve_command(
    *,
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.")] = 8000,
    demo: Annotated[bool, typer.Option("--demo", help="Seed a demo portfolio first (when available).")] = False,
) -> None:
    """Serve the API (migrations run at start); Ctrl-C stops it."""
    if demo and not _seed_demo(Settings()):
        typer.echo("no demo portfolio available yet: serving the database as it is", err=True)
    # The app logs one structured line per request itself; uvicorn's own access log would repeat it.
    uvicorn.run("api.app:create_app", factory=True, host=host, port=port, access_log=False, log_config=None)

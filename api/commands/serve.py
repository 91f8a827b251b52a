"""`compliance serve`: run the HTTP API under uvicorn through the create_app factory."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import typer
import uvicorn

from api.commands.demo import seed_demo_portfolio
from api.settings import Settings
from audit.database import make_engine
from audit.tokens import TokenRequest, issue_token, list_tokens, revoke_token

# One token per role so a newcomer can sign in to the console or call the API right away (demo only).
DEMO_TOKENS = (
    TokenRequest(name="demo-admin", role="admin"),
    TokenRequest(name="demo-officer", role="compliance_officer"),
    TokenRequest(name="demo-examiner", role="examiner"),
    TokenRequest(name="demo-manager-east-1", role="manager", team="east-1"),
    TokenRequest(name="demo-specialist-east-1", role="specialist", team="east-1"),
)


def register(app: typer.Typer) -> None:
    """Add the `serve` command."""
    app.command("serve")(serve_command)


def _demo_tokens(settings: Settings, *, now: datetime) -> list[tuple[str, str]]:
    """Fresh demo tokens (earlier demo tokens are revoked: a secret is shown only once)."""
    engine = make_engine(settings.effective_database_url)
    try:
        active = {g.name for g in list_tokens(engine) if g.revoked_at is None}
        issued = []
        for request in DEMO_TOKENS:
            if request.name in active:
                revoke_token(engine, request.name, now=now)
            secret, grant = issue_token(engine, request, now=now)
            issued.append((f"{grant.role}{' (' + grant.team + ')' if grant.team else ''}", secret))
        return issued
    finally:
        engine.dispose()


def _seed_demo(settings: Settings, *, port: int) -> None:
    report = seed_demo_portfolio(settings)
    typer.echo(f"demo portfolio: {report.cases} cases, {report.events} events, clocks {report.clocks}")
    typer.echo(f"console: http://127.0.0.1:{port}/console   API docs: http://127.0.0.1:{port}/docs")
    for who, secret in _demo_tokens(settings, now=datetime.now(UTC)):
        typer.echo(f"  token for {who:<24} {secret}")


def serve_command(
    *,
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.")] = 8000,
    demo: Annotated[bool, typer.Option("--demo", help="Seed a demo portfolio and print demo tokens first.")] = False,
) -> None:
    """Serve the API (migrations run at start); Ctrl-C stops it."""
    if demo:
        _seed_demo(Settings(), port=port)
    # The app logs one structured line per request itself; uvicorn's own access log would repeat it.
    uvicorn.run("api.app:create_app", factory=True, host=host, port=port, access_log=False, log_config=None)

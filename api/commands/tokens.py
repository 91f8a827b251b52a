"""`compliance tokens create|revoke|list`: API bearer tokens, shown once and stored only as hashes."""

from __future__ import annotations

import getpass
import json
from datetime import UTC, date, datetime
from typing import Annotated

import typer
from sqlalchemy import Engine

from api.settings import Settings
from api.token_admin import issue, revoke
from audit.database import make_engine
from audit.migrate import upgrade
from audit.store import Actor
from audit.tokens import TOKEN_ROLES, TokenGrant, TokenNotFound, TokenRefused, TokenRequest, list_tokens


def register(app: typer.Typer) -> None:
    """Add the `tokens` command group."""
    tokens = typer.Typer(no_args_is_help=True, help="API bearer tokens (the secret is shown once).")
    tokens.command("create")(create_command)
    tokens.command("revoke")(revoke_command)
    tokens.command("list")(list_command)
    app.add_typer(tokens, name="tokens")


def _engine() -> Engine:
    engine = make_engine(Settings().effective_database_url)
    upgrade(engine)
    return engine


def _operator() -> Actor:
    """Who ran the command, as recorded in the access log: the operating-system user."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = "unknown"
    return Actor(id=f"cli:{user}"[:200], role="admin")


def _instant(text: str | None) -> datetime | None:
    if text is None:
        return None
    parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return parsed if parsed.utcoffset() is not None else parsed.replace(tzinfo=UTC)


def _day(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


def create_command(
    role: Annotated[str, typer.Option(help=f"One of: {', '.join(TOKEN_ROLES)}.")],
    name: Annotated[str, typer.Option(help="Who holds it: the actor id of every event it records.")],
    team: Annotated[str | None, typer.Option(help="The team (required for specialist and manager).")] = None,
    cases: Annotated[str | None, typer.Option(help="Limit to these case ids, comma-separated.")] = None,
    valid_from: Annotated[str | None, typer.Option("--from", help="Examiner: first day of the period.")] = None,
    valid_to: Annotated[str | None, typer.Option("--to", help="Examiner: last day of the period.")] = None,
    expires: Annotated[str | None, typer.Option(help="Expiry, ISO 8601 (UTC when no offset is given).")] = None,
) -> None:
    """Issue a token and print its secret once: it cannot be shown again."""
    try:
        listed = [c.strip() for c in cases.split(",") if c.strip()] if cases else None
        request = TokenRequest(
            name=name, role=role, team=team, cases=listed,
            valid_from=_day(valid_from), valid_to=_day(valid_to), expires_at=_instant(expires),
        )
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None
    engine = _engine()
    try:
        secret, grant = issue(engine, request, by=_operator(), now=datetime.now(UTC))
    except TokenRefused as exc:
        typer.echo(f"refused: {exc}", err=True)
        raise typer.Exit(1) from None
    finally:
        engine.dispose()
    typer.echo(secret)
    typer.echo(f"token {grant.id} for {grant.name} ({grant.role}); store the secret above now: it is not kept",
               err=True)


def revoke_command(name_or_id: Annotated[str, typer.Argument(help="A token's name or id.")]) -> None:
    """Revoke a token by id, or every token carrying that name."""
    engine = _engine()
    try:
        grants = revoke(engine, name_or_id, by=_operator(), now=datetime.now(UTC))
    except TokenNotFound as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(1) from None
    finally:
        engine.dispose()
    for grant in grants:
        typer.echo(f"revoked {grant.id} {grant.name} ({grant.role}) at {grant.revoked_at}")


def _line(grant: TokenGrant, now: datetime) -> str:
    state = "revoked" if grant.revoked_at else ("active" if grant.active(now) else "expired")
    limits = [f"team={grant.team}"] if grant.team else []
    limits += [f"cases={','.join(grant.cases)}"] if grant.cases is not None else []
    if grant.valid_from or grant.valid_to:
        limits.append(f"period={grant.valid_from or ''}..{grant.valid_to or ''}")
    return f"{grant.id}  {grant.name}  {grant.role}  {state}  {' '.join(limits)}".rstrip()


def list_command(*, as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False) -> None:
    """Every token ever issued, with role, limits and state (never secrets)."""
    engine = _engine()
    try:
        grants = list_tokens(engine)
    finally:
        engine.dispose()
    if as_json:
        typer.echo(json.dumps([g.to_json() for g in grants], indent=2))
        return
    now = datetime.now(UTC)
    for grant in grants:
        typer.echo(_line(grant, now))

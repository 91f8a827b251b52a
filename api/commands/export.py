"""CLI: `compliance export`, `verify-export`, `export-portfolio` and `data-tape` (examiner exports, issue 6)."""

from __future__ import annotations

import getpass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Annotated

import typer
from sqlalchemy import Engine

from api.settings import Settings
from audit.access_log import record_access
from audit.database import make_engine
from audit.errors import CaseNotFound
from audit.export import verifier
from audit.export.bundle import ExportRequest, write_case_bundle
from audit.export.data_tape import data_tape
from audit.export.portfolio import export_portfolio
from audit.export.portfolio_scope import PortfolioScope
from audit.migrate import upgrade
from audit.signing import load_or_create_key
from audit.store import Actor

OPERATOR_ROLE = "admin"  # whoever runs the CLI holds the database and the signing key
RedactOption = Annotated[bool, typer.Option("--redact", help="Pseudonyms for borrower references and free text.")]
AsOfOption = Annotated[str | None, typer.Option("--as-of", help="Judge clocks as of this date (default: today).")]
ActorOption = Annotated[str | None, typer.Option("--actor", help="Who requests the export (default: your login).")]


def _engine(settings: Settings) -> Engine:
    engine = make_engine(settings.effective_database_url)
    upgrade(engine)
    return engine


def _request(settings: Settings, *, actor: str | None, redact: bool, as_of: str | None) -> ExportRequest:
    return ExportRequest(
        key=load_or_create_key(settings.effective_signing_key_path), now=datetime.now(UTC),
        actor=Actor(actor or f"cli:{getpass.getuser()}", OPERATOR_ROLE), redact=redact,
        calendar=settings.calendar_policy, as_of=date.fromisoformat(as_of) if as_of else None,
        readings=settings.readings,
    )


def _log_export(
    engine: Engine, request: ExportRequest, *, action: str, case_id: str | None, scope: dict[str, object]
) -> None:
    """Every export is an access: recorded in the tamper-evident access log before the files are written."""
    record_access(engine, actor_id=request.actor.id, actor_role=request.actor.role, action=action, case_id=case_id,
                  details={"via": "cli", "redact": request.redact, **scope}, now=request.now)


def export(
    case_id: str, *, out: Annotated[Path, typer.Option("--out", help="A directory, or a file ending in .zip.")],
    redact: RedactOption = False, as_of: AsOfOption = None, actor: ActorOption = None,
) -> None:
    """Export one case's bundle (events, clocks, contacts, report.pdf, manifest, proofs, verify.py)."""
    settings = Settings()
    engine = _engine(settings)
    try:
        request = _request(settings, actor=actor, redact=redact, as_of=as_of)
        _log_export(engine, request, action="case_export", case_id=case_id, scope={})
        written = write_case_bundle(engine, case_id, out, request=request)
    except CaseNotFound as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(code=1) from None
    finally:
        engine.dispose()
    typer.echo(f"exported case {case_id} to {written}; check it with: python {written}/verify.py {written}"
               if written.is_dir() else f"exported case {case_id} to {written}")


def verify_export(
    bundle: Path,
    public_key: Annotated[Path | None, typer.Option(help="PEM public key to trust instead of the bundle's.")] = None,
) -> None:
    """Check an export bundle exactly as its verify.py does; exit 0 verified, 1 failed, 2 signatures unchecked."""
    pem = public_key.read_text(encoding="ascii") if public_key else None
    report = verifier.verify_bundle(bundle, public_key_pem=pem)
    for line in [*report.facts, *(f"problem: {p}" for p in report.problems), report.verdict()]:
        typer.echo(line)
    raise typer.Exit(code=report.exit_code())


def _scope(first: str | None, last: str | None, cases: str | None) -> PortfolioScope:
    try:
        return PortfolioScope(
            cases=tuple(c.strip() for c in cases.split(",") if c.strip()) if cases else None,
            recorded_from=date.fromisoformat(first) if first else None,
            recorded_to=date.fromisoformat(last) if last else None,
        )
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None


FromOption = Annotated[str | None, typer.Option("--from", help="First day (UTC) on which a case was touched.")]
ToOption = Annotated[str | None, typer.Option("--to", help="Last day (UTC) on which a case was touched.")]
CasesOption = Annotated[str | None, typer.Option("--cases", help="Comma-separated case ids instead of a range.")]


def export_portfolio_command(
    *, out: Annotated[Path, typer.Option("--out", help="The .zip file to write.")], first: FromOption = None,
    last: ToOption = None, cases: CasesOption = None, redact: RedactOption = False, as_of: AsOfOption = None,
    actor: ActorOption = None,
) -> None:
    """Export every event, clock and contact of a date range or a list of cases, streamed to a zip."""
    scope = _scope(first, last, cases)
    settings = Settings()
    engine = _engine(settings)
    try:
        request = _request(settings, actor=actor, redact=redact, as_of=as_of)
        _log_export(engine, request, action="portfolio_export", case_id=None, scope=scope.to_json())
        out.parent.mkdir(parents=True, exist_ok=True)
        with out.open("wb") as handle:
            for block in export_portfolio(engine, scope, request):
                handle.write(block)
    finally:
        engine.dispose()
    typer.echo(f"exported portfolio to {out}; check it with: compliance verify-export {out}")


def data_tape_command(
    *, out: Annotated[Path, typer.Option("--out", help="The .csv file to write.")], first: FromOption = None,
    last: ToOption = None, cases: CasesOption = None, as_of: AsOfOption = None,
) -> None:
    """Write the loan-level data tape: one row per case with milestone dates and breaches per rule."""
    scope = _scope(first, last, cases) if (first or last or cases) else None
    settings = Settings()
    engine = _engine(settings)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        with out.open("wb") as handle:
            for chunk in data_tape(engine, now=datetime.now(UTC), calendar=settings.calendar_policy, scope=scope,
                                   as_of=date.fromisoformat(as_of) if as_of else None,
                                   readings=settings.readings):
                handle.write(chunk)
    finally:
        engine.dispose()
    typer.echo(f"wrote the data tape to {out}")


def register(app: typer.Typer) -> None:
    """Add export, verify-export, export-portfolio and data-tape to the `compliance` command."""
    app.command("export")(export)
    app.command("verify-export")(verify_export)
    app.command("export-portfolio")(export_portfolio_command)
    app.command("data-tape")(data_tape_command)

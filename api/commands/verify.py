"""CLI: `compliance verify`, `compliance checkpoint` and `compliance public-key` (tamper evidence)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from sqlalchemy import Engine

from api.settings import Settings
from audit.checkpoints import Checkpoint, CheckpointRefused, create_checkpoint
from audit.database import make_engine
from audit.migrate import upgrade
from audit.signing import load_or_create_key, public_key_pem
from audit.verify import verify_log

JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of plain text.")]


def _engine(settings: Settings) -> Engine:
    """The database of these settings, migrated to this code's schema."""
    engine = make_engine(settings.effective_database_url)
    upgrade(engine)
    return engine


def _trusted(paths: list[Path]) -> list[Checkpoint]:
    """Checkpoints from files (as printed by `compliance checkpoint --json`: one object or a list)."""
    found: list[Checkpoint] = []
    for path in paths:
        value: Any = json.loads(path.read_text(encoding="utf-8"))
        found.extend(Checkpoint.from_json(item) for item in (value if isinstance(value, list) else [value]))
    return found


def verify(
    *,
    as_json: JsonOption = False,
    public_key: Annotated[
        Path | None, typer.Option(help="PEM public key to verify with (default: that of the configured key).")
    ] = None,
    checkpoint: Annotated[
        list[Path] | None,
        typer.Option(help="A checkpoint kept outside the database (JSON); it must still verify. Repeatable."),
    ] = None,
) -> None:
    """Recompute the whole hash chain and every signed checkpoint; exit 1 on any finding."""
    settings = Settings()
    engine = _engine(settings)
    try:
        pem = public_key.read_text() if public_key else public_key_pem(load_or_create_key(
            settings.effective_signing_key_path
        ))
        report = verify_log(engine, pem, trusted=_trusted(checkpoint or []))
    finally:
        engine.dispose()
    typer.echo(json.dumps(report.to_json(), indent=2) if as_json else report.summary())
    if not report.ok:
        raise typer.Exit(code=1)


def checkpoint(*, as_json: JsonOption = False) -> None:
    """Sign a checkpoint of the log as it stands now (or show the one already at its size)."""
    settings = Settings()
    engine = _engine(settings)
    try:
        key = load_or_create_key(settings.effective_signing_key_path)
        made = create_checkpoint(engine, key, now=datetime.now(UTC))
    except CheckpointRefused as exc:
        typer.echo(f"no checkpoint: {exc}", err=True)
        raise typer.Exit(code=1) from None
    finally:
        engine.dispose()
    if as_json:
        typer.echo(json.dumps(made.to_json(), indent=2))
    else:
        typer.echo(
            f"checkpoint of {made.tree_size} events at {made.created_at}\n"
            f"  root {made.root_hash}\n  head {made.head_hash}\n  key  {made.key_id}"
        )


def public_key() -> None:
    """Print the PEM public key that verifies this service's checkpoints (the key is created if absent)."""
    settings = Settings()
    typer.echo(public_key_pem(load_or_create_key(settings.effective_signing_key_path)), nl=False)


def register(app: typer.Typer) -> None:
    """Add verify, checkpoint and public-key to the `compliance` command."""
    app.command("verify")(verify)
    app.command("checkpoint")(checkpoint)
    app.command("public-key")(public_key)

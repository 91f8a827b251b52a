"""`compliance timeline CASEFILE.json`: the offline calculator (CONTRACT §5 case file in, §6 clocks out)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, NoReturn, get_args
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import typer
from pydantic import ValidationError

from api.settings import Settings
from compliance.casefile import POLICIES, parse_casefile
from compliance.clock import Clock
from compliance.engine import compute_clocks, timeline_json
from compliance.envelope import EventRejected
from compliance.evaluation import Readings
from timelines.calendar import calendar_for
from timelines.span import CalendarRangeError

BAD_INPUT = 2  # the exit code of a case file (or option) the calculator cannot read
TABLE_COLUMNS = ("rule", "trigger", "date", "status", "alternatives", "note")
NOTE_WIDTH = 70
REGF_SCOPES: tuple[str, ...] = get_args(Settings.model_fields["regf_scope"].annotation)
LIVE_CONTACT_READINGS: tuple[str, ...] = get_args(Settings.model_fields["live_contact_satisfied_by"].annotation)


class OutputFormat(StrEnum):
    """How the clocks are printed."""

    json = "json"
    table = "table"


def register(app: typer.Typer) -> None:
    """Add the `timeline` command."""
    app.command("timeline")(timeline)


def timeline(
    casefile: Annotated[Path, typer.Argument(dir_okay=False, help="A case file (CONTRACT §5), JSON.")],
    as_of: Annotated[str | None, typer.Option("--as-of", help="Judge on this date (YYYY-MM-DD); default: the file's "
                                              "as_of, else today in the case's time zone.")] = None,
    calendar: Annotated[str | None, typer.Option("--calendar", help=f"Calendar policy: {', '.join(POLICIES)}.")] = None,
    output: Annotated[
        OutputFormat, typer.Option("--format", help="json (CONTRACT §6) or a readable table.")
    ] = OutputFormat.json,
    regf_scope: Annotated[str | None, typer.Option(
        "--regf-scope", help=f"Regulation F reach (12 CFR 1006.14/1006.6): {', '.join(REGF_SCOPES)}; "
                             "default: COMPLIANCE_REGF_SCOPE.")] = None,
    live_contact_satisfied_by: Annotated[str | None, typer.Option(
        "--live-contact-satisfied-by", help=f"What meets 1024.39(a): {', '.join(LIVE_CONTACT_READINGS)}; "
                                            "default: COMPLIANCE_LIVE_CONTACT_SATISFIED_BY.")] = None,
) -> None:
    """Print every regulatory clock of a case file as of a date."""
    readings = _readings(regf_scope, live_contact_satisfied_by)
    raw = _read(casefile)
    if calendar is not None:
        if calendar not in POLICIES:
            _fail(f"--calendar: unknown calendar policy {calendar!r}; expected one of {', '.join(POLICIES)}")
        raw["calendar"] = calendar
    if as_of is not None:
        raw["as_of"] = as_of
    try:
        parsed = parse_casefile(raw, default_as_of=_today(raw))
        cal = calendar_for(parsed.calendar)
        clocks = compute_clocks(parsed.case_id, parsed.profile, parsed.events, cal, parsed.as_of, readings=readings)
    except EventRejected as exc:
        _fail("invalid case file:\n" + "\n".join(f"  {error}" for error in exc.errors))
    except CalendarRangeError as exc:
        _fail(f"cannot compute the clocks: {exc}")
    if output is OutputFormat.table:
        typer.echo(render_table(clocks))
        return
    answer = timeline_json(parsed.case_id, parsed.as_of, parsed.calendar, clocks)
    typer.echo(json.dumps(answer, indent=2, sort_keys=False))


def _readings(regf_scope: str | None, live_contact_satisfied_by: str | None) -> Readings:
    """The options given, else the configured settings (COMPLIANCE_REGF_SCOPE, ..._LIVE_CONTACT_SATISFIED_BY)."""
    if regf_scope is not None and regf_scope not in REGF_SCOPES:
        _fail(f"--regf-scope: unknown reading {regf_scope!r}; expected one of {', '.join(REGF_SCOPES)}")
    if live_contact_satisfied_by is not None and live_contact_satisfied_by not in LIVE_CONTACT_READINGS:
        _fail(f"--live-contact-satisfied-by: unknown reading {live_contact_satisfied_by!r}; "
              f"expected one of {', '.join(LIVE_CONTACT_READINGS)}")
    try:
        configured = Settings().readings
    except ValidationError as exc:
        _fail(f"invalid configuration:\n{exc}")
    return Readings(
        regf_scope=regf_scope or configured.regf_scope,  # type: ignore[arg-type]
        live_contact_satisfied_by=live_contact_satisfied_by or configured.live_contact_satisfied_by,  # type: ignore[arg-type]
    )


def _read(path: Path) -> dict[str, Any]:
    try:
        raw: object = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        _fail(f"cannot read {path}: {exc.strerror or exc}")
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        _fail(f"{path} is not valid JSON: {exc}")
    if not isinstance(raw, dict):
        _fail(f"{path}: a case file must be a JSON object")
    return raw


def _today(raw: dict[str, Any]) -> date:
    """Today in the case's time zone: the edge is the only place that reads the clock."""
    case = raw.get("case")
    name = case.get("timezone") if isinstance(case, dict) else None
    try:
        zone = ZoneInfo(name) if isinstance(name, str) and name else ZoneInfo("America/New_York")
    except (ZoneInfoNotFoundError, ValueError):
        zone = ZoneInfo("UTC")  # parse_casefile names the bad time zone itself
    return datetime.now(UTC).astimezone(zone).date()


def _fail(message: str) -> NoReturn:
    typer.echo(message, err=True)
    raise typer.Exit(code=BAD_INPUT)


def render_table(clocks: list[Clock]) -> str:
    """A fixed-width table: rule, trigger, due/closes/not_before, status, alternatives and reason or finding."""
    rows = [TABLE_COLUMNS] + [_row(c) for c in clocks]
    widths = [max(len(row[i]) for row in rows) for i in range(len(TABLE_COLUMNS) - 1)]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=False)) + "  " + row[-1]
             for row in rows]
    return "\n".join(line.rstrip() for line in lines)


def _row(clock: Clock) -> tuple[str, ...]:
    trigger = f"{clock.trigger.type} {clock.trigger.on}"
    if clock.trigger.at is not None:
        trigger += f" {clock.trigger.at.isoformat()}"
    when = ("closes", clock.closes) if clock.kind == "window" else (
        ("not_before", clock.not_before) if clock.kind == "bar" else ("due", clock.due))
    date_cell = f"{when[0]} {when[1]}" if when[1] else "-"
    alts = ", ".join(f"{a.calendar} {a.due}" for a in clock.alternatives) or "-"
    note = clock.finding or clock.reason or ""
    return clock.rule, trigger, date_cell, clock.status, alts, _shorten(note)


def _shorten(text: str) -> str:
    return text if len(text) <= NOTE_WIDTH else text[: NOTE_WIDTH - 1] + "…"

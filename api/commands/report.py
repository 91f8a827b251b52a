"""`compliance report timeliness|contacts|pipeline|improvements`: performance reports as a table, CSV or JSON,
and optionally a chart (PNG or SVG) written to a file."""

from __future__ import annotations

import json
import logging
from datetime import UTC, date, datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated
from zoneinfo import ZoneInfo

import typer

from api.log_config import configure_logging
from api.settings import Settings
from audit.database import make_engine
from audit.migrate import upgrade
from audit.report_charts import CHARTS, FORMATS, chart
from audit.reports import ReportQuery, ReportResult, build_report
from compliance.reports import ImprovementsReport, Period, Table, period_for
from compliance.reports.table import Cell, cell_text

BAD_INPUT = 2
RATIO_SUFFIXES = ("_rate", "_of_allowed")


class ReportName(StrEnum):
    """The reports."""

    timeliness = "timeliness"
    contacts = "contacts"
    pipeline = "pipeline"
    improvements = "improvements"


class OutputFormat(StrEnum):
    """How the report is printed."""

    table = "table"
    csv = "csv"
    json = "json"


def register(app: typer.Typer) -> None:
    """Add the `report` command."""
    app.command("report")(report_command)


def report_command(
    name: Annotated[ReportName, typer.Argument(help="Which report.")],
    start: Annotated[str | None, typer.Option("--from", help="First day (YYYY-MM-DD); default: 29 days before "
                                              "--to.")] = None,
    end: Annotated[str | None, typer.Option("--to", help="Last day (YYYY-MM-DD); default: today.")] = None,
    team: Annotated[str | None, typer.Option("--team", help="Only the cases of this team.")] = None,
    output: Annotated[OutputFormat, typer.Option("--format", help="table, csv or json.")] = OutputFormat.table,
    chart_file: Annotated[Path | None, typer.Option("--chart", dir_okay=False,
                                                    help="Also write the chart to FILE.png or FILE.svg.")] = None,
    chart_type: Annotated[str | None, typer.Option("--chart-type", help="Which chart (see docs/reports.md); "
                                                   "default: the report's first.")] = None,
) -> None:
    """Print a performance report for a period (pipeline: as of today) over the stored log."""
    settings = Settings()
    configure_logging(settings)
    today = datetime.now(UTC).astimezone(ZoneInfo(settings.default_timezone)).date()
    query = ReportQuery(_period(start, end, today=today), today, team, settings.calendar_policy, settings.readings)
    kind = _chart_kind(name.value, chart_type, chart_file)
    logging.getLogger("alembic").setLevel(logging.WARNING)  # migration chatter belongs to `db upgrade`
    engine = make_engine(settings.effective_database_url)
    try:
        upgrade(engine)
        result = build_report(engine, name.value, query)
        if chart_file is not None:
            chart_file.write_bytes(chart(engine, name.value, query, kind=kind, fmt=chart_file.suffix[1:].lower()))
    finally:
        engine.dispose()
    typer.echo(render(result, output), nl=output is not OutputFormat.csv)


def render(result: ReportResult, output: OutputFormat) -> str:
    """The report in the asked format."""
    if output is OutputFormat.json:
        return json.dumps(result.to_json(), indent=2)
    if output is OutputFormat.csv:
        return result.table().to_csv()
    return render_text(result)


def _period(start: str | None, end: str | None, *, today: date) -> Period:
    try:
        return period_for(_day(start, "--from"), _day(end, "--to"), today=today)
    except ValueError as exc:
        _fail(f"--from/--to: {exc}")
        raise


def _day(value: str | None, option: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        _fail(f"{option}: {value!r} is not a date (YYYY-MM-DD)")
        raise


def _chart_kind(name: str, kind: str | None, path: Path | None) -> str | None:
    if path is None:
        if kind is not None:
            _fail("--chart-type needs --chart FILE.png|svg")
        return None
    if path.suffix[1:].lower() not in FORMATS:
        _fail(f"--chart: the file must end in .png or .svg (got {path.name!r})")
    if kind is not None and kind not in CHARTS[name]:
        _fail(f"--chart-type: report {name} has the charts {', '.join(CHARTS[name])}")
    return kind


def _fail(message: str) -> None:
    typer.echo(message, err=True)
    raise typer.Exit(code=BAD_INPUT)


def render_text(result: ReportResult) -> str:
    """A readable report: a heading, the sentences (improvements), then one aligned table per group of rows."""
    data = result.to_json()
    period = data.get("period")
    when = f"{period['from']} to {period['to']} ({period['days']} days), " if isinstance(period, dict) else ""
    lines = [f"{result.name}: {when}judged on {data['as_of']} (from the {result.source})"]
    if result.failed_cases:
        lines.append(f"cases left out (the engine could not compute them): {', '.join(result.failed_cases)}")
    if isinstance(result.report, ImprovementsReport):
        return "\n".join([*lines, *(f"- {s}" for s in result.report.sentences)])
    for group, table in sections(result.table()):
        lines += ["", f"by {group}" if group not in ("total",) else "total", aligned(table)]
    return "\n".join(lines)


def sections(table: Table) -> list[tuple[str, Table]]:
    """The rows split by their `group` cell, each keeping only the columns it fills."""
    out: list[tuple[str, Table]] = []
    groups = list(dict.fromkeys(str(row[0]) for row in table.rows))
    for group in groups:
        rows = [row for row in table.rows if str(row[0]) == group]
        keep = [i for i in range(1, len(table.columns)) if any(row[i] not in (None, "") for row in rows)]
        columns = tuple(table.columns[i] for i in keep)
        out.append((group, Table(columns, tuple(tuple(r[i] for i in keep) for r in rows))))
    return out


def aligned(table: Table) -> str:
    """Fixed-width columns; ratios shown as percentages."""
    cells = [list(table.columns)] + [
        [_cell(column, value) for column, value in zip(table.columns, row, strict=True)]
        for row in table.rows
    ]
    widths = [max(len(row[i]) for row in cells) for i in range(len(table.columns))]
    return "\n".join("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip() for row in cells)


def _cell(column: str, value: Cell) -> str:
    if column.endswith(RATIO_SUFFIXES) and isinstance(value, int | float):
        return f"{value * 100:.1f}%"
    if column == "team" and value is None:
        return "(unassigned)"
    return cell_text(value)

"""`compliance report ...` on a small seeded demo portfolio in a SQLite file: table, CSV and JSON output,
charts written as PNG and SVG, and exit code 2 on bad options."""

from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from api.commands import report
from audit.database import make_engine
from audit.demo import seed_demo
from audit.migrate import upgrade
from compliance.reports.contacts import COLUMNS as CONTACT_COLUMNS
from compliance.reports.improvements import COLUMNS as IMPROVEMENT_COLUMNS
from compliance.reports.pipeline import COLUMNS as PIPELINE_COLUMNS
from compliance.reports.timeliness import COLUMNS as TIMELINESS_COLUMNS

TODAY = date(2026, 7, 10)
PERIOD = ["--from", "2026-05-12", "--to", "2026-07-10"]


@pytest.fixture(scope="module")
def database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file with 40 demo cases dated around 2026-07-10."""
    path = tmp_path_factory.mktemp("report-cli") / "cli.db"
    engine = make_engine(f"sqlite:///{path.as_posix()}")
    upgrade(engine)
    seed_demo(engine, cases=40, seed=5, today=TODAY, now=datetime(2026, 7, 10, 15, tzinfo=UTC))
    engine.dispose()
    return path


@pytest.fixture
def app(database: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[typer.Typer]:
    """A command group holding only `report`, pointed at the seeded database."""
    monkeypatch.setenv("COMPLIANCE_DATABASE_URL", f"sqlite:///{database.as_posix()}")
    monkeypatch.setenv("COMPLIANCE_DATA_DIR", str(tmp_path))
    monkeypatch.chdir(tmp_path)  # no .env of the developer's is read
    group = typer.Typer()

    @group.callback()
    def main() -> None:
        """Test group."""

    report.register(group)
    yield group


def invoke(app: typer.Typer, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, ["report", *args])
    return result.exit_code, result.stdout, result.stderr


def test_table_output(app: typer.Typer) -> None:
    code, out, _ = invoke(app, "timeliness", *PERIOD)
    assert code == 0, out
    assert out.startswith("timeliness: 2026-05-12 to 2026-07-10 (60 days), judged on ")
    for heading in ("\ntotal\n", "\nby rule\n", "\nby team\n", "\nby staff\n"):
        assert heading in out
    assert "east-2" in out and "%" in out


@pytest.mark.parametrize(("name", "columns"), [
    ("timeliness", TIMELINESS_COLUMNS), ("contacts", CONTACT_COLUMNS), ("pipeline", PIPELINE_COLUMNS),
    ("improvements", IMPROVEMENT_COLUMNS),
])
def test_csv_has_the_documented_columns(app: typer.Typer, name: str, columns: tuple[str, ...]) -> None:
    code, out, _ = invoke(app, name, *PERIOD, "--format", "csv")
    assert code == 0, out
    rows = list(csv.reader(io.StringIO(out)))
    assert rows[0] == list(columns)
    assert all(len(row) == len(columns) for row in rows)


def test_json_output_and_team_filter(app: typer.Typer) -> None:
    code, out, _ = invoke(app, "contacts", *PERIOD, "--format", "json", "--team", "east-1")
    assert code == 0, out
    body = json.loads(out)
    assert body["report"] == "contacts" and body["source"] == "log"
    assert body["period"] == {"from": "2026-05-12", "to": "2026-07-10", "days": 60}
    assert [row["team"] for row in body["by_team"]] == ["east-1"]


def test_improvements_print_sentences(app: typer.Typer) -> None:
    code, out, _ = invoke(app, "improvements", *PERIOD)
    assert code == 0, out
    lines = out.splitlines()
    assert len(lines) >= 2 and all(line.startswith("- ") and line.endswith(".") for line in lines[1:])


def test_chart_files(app: typer.Typer, tmp_path: Path) -> None:
    png, svg = tmp_path / "status.png", tmp_path / "trend.svg"
    assert invoke(app, "timeliness", *PERIOD, "--chart", str(png))[0] == 0
    assert png.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    code, _, _ = invoke(app, "timeliness", *PERIOD, "--chart", str(svg), "--chart-type", "breach_trend")
    assert code == 0
    assert ET.fromstring(svg.read_bytes()).tag == "{http://www.w3.org/2000/svg}svg"


@pytest.mark.parametrize(("args", "message"), [
    (["timeliness", "--from", "2026-07-10", "--to", "2026-07-01"], "--from/--to"),
    (["timeliness", "--from", "July"], "is not a date"),
    (["timeliness", "--chart", "out.gif"], ".png or .svg"),
    (["pipeline", "--chart", "out.png", "--chart-type", "status"], "has the charts stages"),
    (["timeliness", "--chart-type", "status"], "needs --chart"),
])
def test_bad_options_exit_2(app: typer.Typer, args: list[str], message: str) -> None:
    code, _, err = invoke(app, *args)
    assert code == 2
    assert message in err

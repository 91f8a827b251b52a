"""`compliance timeline CASEFILE.json`: CONTRACT §6 JSON, a readable table, and exit code 2 on bad input."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from api.commands import timeline
from compliance.clock import Clock, Trigger

CASE: dict[str, Any] = {
    "case": {"id": "C-1", "timezone": "America/New_York", "property_state": "NY"},
    "calendar": "us-6103a",
    "as_of": "2026-07-06",
    "events": [
        {"type": "payment_missed", "occurred_at": "2026-06-01", "data": {"due_date": "2026-06-01"}},
        {"type": "information_request_received", "occurred_at": "2026-07-02",
         "data": {"request_id": "R1", "category": "owner_identity"}},
    ],
}


@pytest.fixture
def app() -> typer.Typer:
    """A command group holding only `timeline`, registered as api/cli.py does."""
    group = typer.Typer()

    @group.callback()
    def main() -> None:
        """Test group."""

    timeline.register(group)
    return group


def write(tmp_path: Path, content: dict[str, Any] | str) -> str:
    path = tmp_path / "case.json"
    path.write_text(content if isinstance(content, str) else json.dumps(content), encoding="utf-8")
    return str(path)


def test_json_output_is_the_contract_shape(app: typer.Typer, tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["timeline", write(tmp_path, CASE)])
    assert result.exit_code == 0, result.output
    answer = json.loads(result.stdout)
    assert list(answer) == ["case_id", "as_of", "calendar", "clocks"]
    assert (answer["case_id"], answer["as_of"], answer["calendar"]) == ("C-1", "2026-07-06", "us-6103a")
    rfi = next(c for c in answer["clocks"] if c["rule"] == "rfi_response")
    assert list(rfi)[:6] == ["id", "rule", "citation", "kind", "trigger", "due"]
    assert rfi["due"] == "2026-07-16"
    assert rfi["alternatives"] == [{"calendar": "us-6103a-observed", "due": "2026-07-17"}]
    assert result.stdout == json.dumps(answer, indent=2) + "\n"


def test_bad_event_names_the_index_and_field_and_exits_2(app: typer.Typer, tmp_path: Path) -> None:
    bad = {**CASE, "events": [CASE["events"][0], {"type": "application_received", "occurred_at": "2026-07-02",
                                                  "data": {}}]}
    result = CliRunner().invoke(app, ["timeline", write(tmp_path, bad)])
    assert result.exit_code == 2
    assert "events[1].data.application_id" in result.stderr


def test_calendar_override_changes_the_policy(app: typer.Typer, tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["timeline", write(tmp_path, CASE), "--calendar", "us-6103a-observed"])
    answer = json.loads(result.stdout)
    rfi = next(c for c in answer["clocks"] if c["rule"] == "rfi_response")
    assert answer["calendar"] == "us-6103a-observed"
    assert rfi["due"] == "2026-07-17" and rfi["alternatives"] == [{"calendar": "us-6103a", "due": "2026-07-16"}]


def test_unknown_calendar_and_bad_as_of_exit_2(app: typer.Typer, tmp_path: Path) -> None:
    path = write(tmp_path, CASE)
    unknown = CliRunner().invoke(app, ["timeline", path, "--calendar", "lunar"])
    assert unknown.exit_code == 2 and "unknown calendar policy 'lunar'" in unknown.stderr
    bad_date = CliRunner().invoke(app, ["timeline", path, "--as-of", "2026-13-01"])
    assert bad_date.exit_code == 2 and "as_of" in bad_date.stderr


def test_as_of_override_and_table_format(app: typer.Typer, tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["timeline", write(tmp_path, CASE), "--as-of", "2026-07-20", "--format", "table"])
    assert result.exit_code == 0, result.output
    header, *rows = result.stdout.splitlines()
    assert header.split() == ["rule", "trigger", "date", "status", "alternatives", "note"]
    rfi = next(row for row in rows if row.startswith("rfi_response"))
    assert "information_request_received 2026-07-02" in rfi and "due 2026-07-16" in rfi and "breached" in rfi
    assert "us-6103a-observed 2026-07-17" in rfi


def test_table_shows_windows_bars_checks_and_notes() -> None:
    at = datetime(2026, 3, 8, 10, tzinfo=UTC)
    clocks = [
        Clock("w", "lm_accept_window", "c", "window", Trigger("e", "evaluation_decided", date(2026, 5, 20)), "open",
              "us-6103a", closes=date(2026, 6, 3)),
        Clock("b", "fc_120_day_bar", "c", "bar", Trigger("e", "payment_missed", date(2026, 1, 1)), "open", "us-6103a",
              not_before=date(2026, 5, 2)),
        Clock("k", "regf_call_frequency", "c", "check", Trigger("e", "contact_logged", date(2026, 3, 8), at),
              "breached", "us-6103a", finding="x" * 100),
    ]
    window, bar, check = timeline.render_table(clocks).splitlines()[1:]
    assert "closes 2026-06-03" in window and "not_before 2026-05-02" in bar
    assert "2026-03-08T10:00:00+00:00" in check and check.endswith("x…") and " - " in check


def test_unreadable_or_non_json_files_exit_2(app: typer.Typer, tmp_path: Path) -> None:
    assert CliRunner().invoke(app, ["timeline", str(tmp_path / "missing.json")]).exit_code == 2
    not_json = CliRunner().invoke(app, ["timeline", write(tmp_path, "{not json")])
    assert not_json.exit_code == 2 and "not valid JSON" in not_json.stderr
    array = CliRunner().invoke(app, ["timeline", write(tmp_path, "[]")])
    assert array.exit_code == 2 and "must be a JSON object" in array.stderr


def test_dates_outside_the_calendar_exit_2(app: typer.Typer, tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["timeline", write(tmp_path, {**CASE, "as_of": "2045-12-30", "events": [
        {"type": "payment_missed", "occurred_at": "2045-12-01", "data": {"due_date": "2045-12-01"}}]})])
    assert result.exit_code == 2 and "cannot compute the clocks" in result.stderr


def test_without_as_of_the_case_zone_today_is_used(app: typer.Typer, tmp_path: Path) -> None:
    undated = {key: value for key, value in CASE.items() if key != "as_of"}
    for zone in ("America/Chicago", "Not/AZone"):
        undated["case"] = {**CASE["case"], "timezone": zone}
        result = CliRunner().invoke(app, ["timeline", write(tmp_path, undated)])
        if zone == "Not/AZone":
            assert result.exit_code == 2 and "case.timezone" in result.stderr
        else:
            assert result.exit_code == 0 and json.loads(result.stdout)["as_of"] >= "2026-01-01"

"""The two configurable readings (rulebook §9) travel from COMPLIANCE_* settings to every place clocks are computed."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import typer
from fastapi.testclient import TestClient
from pydantic import ValidationError
from sqlalchemy import select
from typer.testing import CliRunner

from api.app import create_app
from api.commands import timeline
from api.settings import Settings
from audit.projection_schema import clock_rows
from audit.projections import rebuild
from compliance.evaluation import Readings
from tests.api.support import NOW, bearer, issue, make_settings, open_case

HOURS = "contact_inconvenient_time"
# 22:30 borrower-local is outside 8am-9pm (12 CFR 1006.6(b)(1)(i)); the case's servicer is no FDCPA debt collector.
LATE_CALL = {"type": "contact_logged", "occurred_at": "2026-07-06T22:30:00-04:00",
             "data": {"channel": "phone", "direction": "outbound", "outcome": "no_answer", "party": "borrower",
                      "staff_id": "S-1"}}
CASE_FILE: dict[str, Any] = {
    "case": {"id": "C-R", "property_state": "NY", "timezone": "America/New_York", "fdcpa_debt_collector": False},
    "calendar": "us-6103a", "as_of": "2026-07-08", "events": [LATE_CALL],
}


@pytest.fixture(autouse=True)
def _no_reading_in_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("COMPLIANCE_REGF_SCOPE", raising=False)
    monkeypatch.delenv("COMPLIANCE_LIVE_CONTACT_SATISFIED_BY", raising=False)


# --- settings ------------------------------------------------------------------------------------------------


def test_the_defaults_are_the_conservative_readings() -> None:
    assert Settings(_env_file=None).readings == Readings()  # type: ignore[call-arg]


def test_the_environment_sets_both_readings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COMPLIANCE_REGF_SCOPE", "all_loans")
    monkeypatch.setenv("COMPLIANCE_LIVE_CONTACT_SATISFIED_BY", "live_contact_only")
    readings = Settings(_env_file=None).readings  # type: ignore[call-arg]
    assert readings == Readings(regf_scope="all_loans", live_contact_satisfied_by="live_contact_only")


@pytest.mark.parametrize(("variable", "field", "expected"), [
    ("COMPLIANCE_REGF_SCOPE", "regf_scope", "'debt_collector_only' or 'all_loans'"),
    ("COMPLIANCE_LIVE_CONTACT_SATISFIED_BY", "live_contact_satisfied_by",
     "'attempt_or_contact' or 'live_contact_only'"),
])
def test_an_unknown_reading_is_refused(monkeypatch: pytest.MonkeyPatch, variable: str, field: str,
                                       expected: str) -> None:
    monkeypatch.setenv(variable, "everything")
    with pytest.raises(ValidationError) as raised:
        Settings(_env_file=None)  # type: ignore[call-arg]
    error = raised.value.errors()[0]
    assert error["loc"] == (field,) and error["input"] == "everything"
    assert expected in str(raised.value)


# --- the service: API reads and the projection ---------------------------------------------------------------


def _late_call_case(tmp_path: Path, **settings: Any) -> tuple[TestClient, str, Any]:
    app = create_app(make_settings(tmp_path, **settings), clock=lambda: NOW)
    client = TestClient(app, raise_server_exceptions=False)
    client.__enter__()
    specialist = issue(app, "specialist-1", "specialist", team="east")
    open_case(client, specialist, "C-R")
    response = client.post("/v1/cases/C-R/events", json={"events": [LATE_CALL]}, headers=bearer(specialist))
    assert response.status_code == 201, response.text
    return client, specialist, app


def _hours_clock(timeline: dict[str, Any]) -> dict[str, Any]:
    return next(c for c in timeline["clocks"] if c["rule"] == HOURS)


def _projected_status(app: Any) -> str:
    with app.state.engine.connect() as conn:
        statuses = conn.scalars(select(clock_rows.c.status).where(clock_rows.c.rule == HOURS)).all()
    assert len(statuses) == 1
    return str(statuses[0])


@pytest.mark.parametrize(("settings", "status"), [({}, "not_applicable"), ({"regf_scope": "all_loans"}, "breached")])
def test_regf_scope_decides_a_late_call_by_a_non_collector(tmp_path: Path, settings: dict[str, Any],
                                                           status: str) -> None:
    client, specialist, app = _late_call_case(tmp_path, **settings)
    try:
        clocks = client.get("/v1/cases/C-R/clocks?as_of=2026-07-08", headers=bearer(specialist)).json()
        assert _hours_clock(clocks)["status"] == status
        summary = client.get("/v1/cases/C-R?as_of=2026-07-08", headers=bearer(specialist)).json()
        assert summary["clocks"].get("breached", 0) == (status == "breached")
        preview = client.post("/v1/timeline/preview", json=CASE_FILE, headers=bearer(specialist)).json()
        assert _hours_clock(preview)["status"] == status
        assert _projected_status(app) == status  # the Projector built from the settings
        config = client.get("/v1/admin/configuration", headers=bearer(issue(app, "admin-1", "admin"))).json()
        assert config["regf_scope"] == settings.get("regf_scope", "debt_collector_only")
    finally:
        client.__exit__(None, None, None)


def test_rebuild_reads_with_the_readings_given(tmp_path: Path) -> None:
    client, _, app = _late_call_case(tmp_path)
    try:
        assert _projected_status(app) == "not_applicable"
        rebuild(app.state.engine, calendar="us-6103a", readings=Readings(regf_scope="all_loans"))
        assert _projected_status(app) == "breached"
    finally:
        client.__exit__(None, None, None)


# --- the offline calculator ---------------------------------------------------------------------------------


@pytest.fixture
def cli() -> typer.Typer:
    group = typer.Typer()

    @group.callback()
    def main() -> None:
        """Test group."""

    timeline.register(group)
    return group


def _cli_status(cli: typer.Typer, tmp_path: Path, *options: str) -> str:
    path = tmp_path / "case.json"
    path.write_text(json.dumps(CASE_FILE), encoding="utf-8")
    result = CliRunner().invoke(cli, ["timeline", str(path), *options])
    assert result.exit_code == 0, result.output
    return str(_hours_clock(json.loads(result.output))["status"])


def test_the_timeline_option_changes_the_answer(cli: typer.Typer, tmp_path: Path) -> None:
    assert _cli_status(cli, tmp_path) == "not_applicable"
    assert _cli_status(cli, tmp_path, "--regf-scope", "all_loans") == "breached"
    assert _cli_status(cli, tmp_path, "--regf-scope", "debt_collector_only") == "not_applicable"


def test_the_timeline_defaults_to_the_settings(cli: typer.Typer, tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COMPLIANCE_REGF_SCOPE", "all_loans")
    assert _cli_status(cli, tmp_path) == "breached"
    assert _cli_status(cli, tmp_path, "--regf-scope", "debt_collector_only") == "not_applicable"


def test_the_timeline_refuses_an_unknown_reading(cli: typer.Typer, tmp_path: Path) -> None:
    path = tmp_path / "case.json"
    path.write_text(json.dumps(CASE_FILE), encoding="utf-8")
    result = CliRunner().invoke(cli, ["timeline", str(path), "--live-contact-satisfied-by", "letters"])
    assert result.exit_code == timeline.BAD_INPUT
    assert "unknown reading 'letters'" in result.output

"""GET /v1/reports/{name} (JSON or CSV) and /v1/reports/{name}/chart.png|svg on a small seeded demo portfolio:
roles, team scope for managers, the examiner's period, problem+json refusals, and the access log."""

from __future__ import annotations

import csv
import io
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from api.app import create_app
from audit.access_log import AccessQuery, access_entries
from audit.demo import seed_demo
from compliance.reports.timeliness import COLUMNS as TIMELINESS_COLUMNS
from tests.api.support import NOW, assert_problem, bearer, issue, make_settings

PERIOD = {"from": "2026-05-12", "to": "2026-07-10"}


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> FastAPI:
    """The service on a SQLite file holding 40 demo cases; its clock reads NOW (2026-07-10)."""
    tmp: Path = tmp_path_factory.mktemp("reports-api")
    app = create_app(make_settings(tmp), clock=lambda: NOW)
    seed_demo(app.state.engine, cases=40, seed=5, today=date(2026, 7, 10), now=NOW)
    return app


@pytest.fixture(scope="module")
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client


@pytest.fixture(scope="module")
def tokens(app: FastAPI) -> dict[str, str]:
    """Secrets: officer, admin, east-1 manager and specialist, an examiner for May-June, a case-bound officer."""
    return {
        "officer": issue(app, "officer-r", "compliance_officer"), "admin": issue(app, "admin-r", "admin"),
        "manager": issue(app, "manager-r", "manager", team="east-1"),
        "specialist": issue(app, "specialist-r", "specialist", team="east-1"),
        "examiner": issue(app, "examiner-r", "examiner", valid_from=date(2026, 5, 1), valid_to=date(2026, 6, 30)),
        "bound": issue(app, "bound-r", "compliance_officer", cases=["DEMO-5-00001"]),
    }


def get(client: TestClient, path: str, secret: str, **params: Any) -> Any:
    return client.get(path, params=params, headers=bearer(secret))


@pytest.mark.parametrize("name", ["timeliness", "contacts", "pipeline", "improvements"])
def test_each_report_as_json(client: TestClient, tokens: dict[str, str], name: str) -> None:
    response = get(client, f"/v1/reports/{name}", tokens["officer"], **PERIOD)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["report"] == name and body["as_of"] == "2026-07-10"
    assert body["source"] in ("log", "projections") and body["failed_cases"] == []


def test_defaults_to_the_30_days_ending_today(client: TestClient, tokens: dict[str, str]) -> None:
    body = get(client, "/v1/reports/timeliness", tokens["admin"]).json()
    assert body["period"] == {"from": "2026-06-11", "to": "2026-07-10", "days": 30}
    assert body["total"]["due"] > 0


def test_csv_with_accept_header(client: TestClient, tokens: dict[str, str]) -> None:
    response = client.get("/v1/reports/timeliness", params=PERIOD,
                          headers=bearer(tokens["officer"], Accept="text/csv"))
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert 'filename="timeliness-2026-05-12-2026-07-10.csv"' in response.headers["content-disposition"]
    rows = list(csv.reader(io.StringIO(response.text)))
    assert rows[0] == list(TIMELINESS_COLUMNS) and rows[1][0] == "total"


def test_manager_sees_own_team_only(client: TestClient, tokens: dict[str, str]) -> None:
    body = get(client, "/v1/reports/timeliness", tokens["manager"], **PERIOD).json()
    assert [row["team"] for row in body["by_team"]] == ["east-1"]
    assert_problem(get(client, "/v1/reports/timeliness", tokens["manager"], team="west-1"), 403)


def test_examiner_period_is_clamped(client: TestClient, tokens: dict[str, str]) -> None:
    body = get(client, "/v1/reports/timeliness", tokens["examiner"], **PERIOD).json()
    assert body["period"] == {"from": "2026-05-12", "to": "2026-06-30", "days": 50}
    assert body["as_of"] == "2026-06-30"


@pytest.mark.parametrize("who", ["specialist", "bound"])
def test_refused_roles_and_scopes(client: TestClient, tokens: dict[str, str], who: str) -> None:
    assert_problem(get(client, "/v1/reports/contacts", tokens[who]), 403)


def test_refusals_are_problems(client: TestClient, tokens: dict[str, str]) -> None:
    assert_problem(client.get("/v1/reports/timeliness"), 401)
    assert_problem(get(client, "/v1/reports/nope", tokens["officer"]), 422)
    body = assert_problem(get(client, "/v1/reports/timeliness", tokens["officer"], **{"from": "2026-07-10",
                                                                                      "to": "2026-07-01"}), 422)
    assert "query.from" in str(body)
    assert_problem(get(client, "/v1/reports/timeliness", tokens["officer"], **{"from": "1990-01-01"}), 422)


def test_charts(client: TestClient, tokens: dict[str, str]) -> None:
    png = get(client, "/v1/reports/timeliness/chart.png", tokens["officer"], **PERIOD)
    assert png.status_code == 200 and png.headers["content-type"] == "image/png"
    assert png.content.startswith(b"\x89PNG\r\n\x1a\n")
    svg = get(client, "/v1/reports/improvements/chart.svg", tokens["manager"], **PERIOD)
    assert svg.status_code == 200 and svg.headers["content-type"].startswith("image/svg+xml")
    assert ET.fromstring(svg.content).tag == "{http://www.w3.org/2000/svg}svg"
    used = get(client, "/v1/reports/timeliness/chart.svg", tokens["officer"], chart="days_used")
    assert used.status_code == 200
    assert_problem(get(client, "/v1/reports/pipeline/chart.png", tokens["officer"], chart="status"), 422)
    assert get(client, "/v1/reports/pipeline/chart.gif", tokens["officer"]).status_code in (404, 422)


def test_officer_reads_are_in_the_access_log(app: FastAPI, client: TestClient, tokens: dict[str, str]) -> None:
    get(client, "/v1/reports/pipeline", tokens["officer"])
    entries = access_entries(app.state.engine, AccessQuery(actor_id="officer-r", action="report_read"))
    assert any(e.to_json()["data"]["path"] == "/v1/reports/pipeline" for e in entries)

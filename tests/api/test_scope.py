"""Scope beyond roles: teams, unassigned cases, an examiner's case list and examination period."""

from __future__ import annotations

from datetime import date

from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.api.support import application, assert_problem, bearer, issue, missed, open_case, opened


def _three_cases(app: FastAPI, client: TestClient, east: str) -> None:
    """C-EAST (team east), C-WEST (team west) and C-NEW (unassigned)."""
    west = issue(app, "specialist-west", "specialist", team="west")
    open_case(client, east, "C-EAST", team="east")
    open_case(client, west, "C-WEST", team="west")
    assert client.post("/v1/cases", json=opened("C-NEW"), headers=bearer(east)).status_code == 201


def _ids(client: TestClient, secret: str) -> list[str]:
    return [c["case_id"] for c in client.get("/v1/cases", headers=bearer(secret)).json()["items"]]


def test_team_scope(api_app: FastAPI, api_client: TestClient, api_tokens: dict[str, str]) -> None:
    _three_cases(api_app, api_client, api_tokens["specialist"])
    specialist, manager = api_tokens["specialist"], api_tokens["manager"]
    assert _ids(api_client, specialist) == ["C-EAST", "C-NEW"]  # unassigned: the intake queue
    assert _ids(api_client, manager) == ["C-EAST"]
    assert _ids(api_client, api_tokens["compliance_officer"]) == ["C-EAST", "C-WEST", "C-NEW"]
    for path in ("/v1/cases/C-WEST", "/v1/cases/C-WEST/events", "/v1/cases/C-WEST/clocks"):
        assert_problem(api_client.get(path, headers=bearer(specialist)), 403)
        assert_problem(api_client.get(path, headers=bearer(manager)), 403)
    assert_problem(api_client.get("/v1/cases/C-NEW", headers=bearer(manager)), 403)
    refused = api_client.post("/v1/cases/C-WEST/events", json=application("2026-07-02"), headers=bearer(specialist))
    assert "another team" in assert_problem(refused, 403)["detail"]
    trail = api_client.get("/v1/cases/C-WEST/events", headers=bearer(api_tokens["compliance_officer"])).json()
    assert len(trail["items"]) == 2  # the refused append wrote nothing


def test_examiner_limited_to_listed_cases(api_app: FastAPI, api_client: TestClient, api_tokens: dict[str, str]) -> None:
    _three_cases(api_app, api_client, api_tokens["specialist"])
    examiner = issue(api_app, "exam-listed", "examiner", cases=["C-EAST"])
    assert _ids(api_client, examiner) == ["C-EAST"]
    assert api_client.get("/v1/cases/C-EAST/events", headers=bearer(examiner)).status_code == 200
    assert_problem(api_client.get("/v1/cases/C-WEST/events", headers=bearer(examiner)), 403)
    audit = api_client.get("/v1/audit/events", headers=bearer(examiner)).json()["items"]
    assert {e["case_id"] for e in audit} == {"C-EAST"}
    other = api_client.get("/v1/audit/events?case_id=C-WEST", headers=bearer(examiner)).json()["items"]
    assert other == []


def test_examiner_limited_to_a_period(api_app: FastAPI, api_client: TestClient, api_tokens: dict[str, str]) -> None:
    specialist = api_tokens["specialist"]
    open_case(api_client, specialist, "C-1")  # opened and assigned 2026-01-02
    later = {"events": [missed("2026-03-01"), application("2026-07-02")]}
    api_client.post("/v1/cases/C-1/events", json=later, headers=bearer(specialist))
    examiner = issue(api_app, "exam-q1", "examiner", valid_from=date(2026, 1, 1), valid_to=date(2026, 3, 31))
    trail = api_client.get("/v1/cases/C-1/events", headers=bearer(examiner)).json()["items"]
    assert [e["type"] for e in trail] == ["case_opened", "case_assigned", "payment_missed"]
    narrowed = api_client.get("/v1/cases/C-1/events?occurred_from=2026-02-01&occurred_to=2026-12-31",
                              headers=bearer(examiner)).json()["items"]
    assert [e["type"] for e in narrowed] == ["payment_missed"]
    clocks = api_client.get("/v1/cases/C-1/clocks", headers=bearer(examiner)).json()
    assert clocks["as_of"] == "2026-03-31"  # today moved into the period
    assert_problem(api_client.get("/v1/cases/C-1/clocks?as_of=2026-07-10", headers=bearer(examiner)), 403)
    audit = api_client.get("/v1/audit/events", headers=bearer(examiner)).json()["items"]
    assert "application_received" not in {e["type"] for e in audit}


def test_specialist_opens_then_assigns_to_own_team(api_client: TestClient, api_tokens: dict[str, str]) -> None:
    open_case(api_client, api_tokens["specialist"], "C-1", team="east")
    summary = api_client.get("/v1/cases/C-1", headers=bearer(api_tokens["manager"])).json()
    assert summary["team"] == "east"

"""GET /v1/alerts and POST /v1/alerts/{id}/acknowledge: scope by role and team, problems for refusals."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient

from audit.monitoring import scan
from audit.projections import rebuild
from audit.reads import case_events
from tests.api.support import NOW, application, assert_problem, bearer, issue, open_case
from tests.audit.monitoring_support import POLICY


def _breached_cases(app: FastAPI, client: TestClient, specialist: str, *teams: str) -> None:
    """One case per team with an acknowledgment deadline (07-09) already passed at NOW, scanned."""
    for number, team in enumerate(teams):
        case_id = f"C-{number}"
        writer = specialist if team == "east" else issue(app, f"s-{team}", "specialist", team=team)
        open_case(client, writer, case_id, team=team)
        response = client.post(f"/v1/cases/{case_id}/events", json={"events": [application("2026-07-02")]},
                               headers=bearer(writer))
        assert response.status_code == 201, response.text
    rebuild(app.state.engine, calendar="us-6103a")  # the projections, whatever the API's append policy
    scan(app.state.engine, now=NOW, policy=POLICY)


def _alerts(client: TestClient, secret: str, **query: Any) -> dict[str, Any]:
    response = client.get("/v1/alerts", params=query, headers=bearer(secret))
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def test_a_manager_lists_the_alerts_of_their_team(api_app: FastAPI, api_client: TestClient,
                                                  api_tokens: dict[str, str]) -> None:
    _breached_cases(api_app, api_client, api_tokens["specialist"], "east", "west")
    east = _alerts(api_client, api_tokens["manager"])["items"]
    assert [(a["case_id"], a["level"], a["rule"], a["state"], a["team"]) for a in east] == [
        ("C-0", "breached", "lm_ack_notice", "open", "east")]
    assert {a["case_id"] for a in _alerts(api_client, api_tokens["compliance_officer"])["items"]} == {"C-0", "C-1"}
    assert_problem(api_client.get("/v1/alerts", params={"team": "west"}, headers=bearer(api_tokens["manager"])), 403)
    assert_problem(api_client.get("/v1/alerts", headers=bearer(api_tokens["specialist"])), 403)


def test_filters_and_pages(api_app: FastAPI, api_client: TestClient, api_tokens: dict[str, str]) -> None:
    _breached_cases(api_app, api_client, api_tokens["specialist"], "east", "west")
    officer = api_tokens["compliance_officer"]
    first = _alerts(api_client, officer, limit=1)
    second = _alerts(api_client, officer, limit=1, after=first["next_after"])
    assert len(first["items"]) == len(second["items"]) == 1 and second["next_after"] is None
    assert first["items"][0]["alert_id"] != second["items"][0]["alert_id"]
    assert _alerts(api_client, officer, level="approaching")["items"] == []
    assert len(_alerts(api_client, officer, state="open", team="west")["items"]) == 1


def test_a_manager_acknowledges_an_alert_of_their_team(api_app: FastAPI, api_client: TestClient,
                                                        api_tokens: dict[str, str]) -> None:
    _breached_cases(api_app, api_client, api_tokens["specialist"], "east", "west")
    east, west = sorted(_alerts(api_client, api_tokens["compliance_officer"])["items"], key=lambda a: a["case_id"])
    manager = bearer(api_tokens["manager"])
    assert_problem(api_client.post(f"/v1/alerts/{east['alert_id']}/acknowledge",
                                   headers=bearer(api_tokens["compliance_officer"])), 403)
    assert_problem(api_client.post(f"/v1/alerts/{west['alert_id']}/acknowledge", headers=manager), 403)
    response = api_client.post(f"/v1/alerts/{east['alert_id']}/acknowledge", headers=manager)
    assert response.status_code == 200, response.text
    assert (response.json()["state"], response.json()["acknowledged_by"]) == ("acknowledged", "manager-1")
    logged = [e for e in case_events(api_app.state.engine, "C-0") if e.type == "alert_acknowledged"]
    assert [(e.data["alert_id"], e.actor_id, e.actor_role) for e in logged] == [(east["alert_id"], "manager-1",
                                                                                   "manager")]
    body = assert_problem(api_client.post("/v1/alerts/nope/acknowledge", headers=manager), 404)
    assert body["alert_id"] == "nope"

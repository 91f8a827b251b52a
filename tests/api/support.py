"""Plain helpers for the API tests: settings on a temp folder, tokens, headers, and case factories."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient

from api.settings import Settings
from audit.tokens import TokenRequest, issue_token

NOW = datetime(2026, 7, 10, 15, 0, tzinfo=UTC)
PROBLEM_JSON = "application/problem+json"


def make_settings(tmp_path: Path, **overrides: Any) -> Settings:
    """Settings that ignore the environment's database and .env: a SQLite file under tmp_path."""
    values: dict[str, Any] = {
        "data_dir": tmp_path, "database_url": f"sqlite:///{(tmp_path / 'api.db').as_posix()}",
        "alert_channels": ["log"], "log_format": "json", "rate_limit_per_second": 0.0, "scheduler_enabled": False,
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


def issue(app: FastAPI, name: str, role: str, **limits: Any) -> str:
    """Issue a token straight through the store and return its secret."""
    secret, _ = issue_token(app.state.engine, TokenRequest(name=name, role=role, **limits), now=NOW)
    return secret


def bearer(secret: str, **headers: str) -> dict[str, str]:
    """An Authorization header (plus any others given)."""
    return {"Authorization": f"Bearer {secret}", **headers}


def opened(case_id: str, *, state: str = "NY", on: str = "2026-01-02") -> dict[str, Any]:
    """The body of POST /v1/cases."""
    return {"case_id": case_id, "occurred_at": on,
            "data": {"loan_id": f"L-{case_id}", "borrower_ref": f"B-{case_id}", "property_state": state}}


def assigned(team: str, *, manager: str = "M-1", on: str = "2026-01-02") -> dict[str, Any]:
    """A case_assigned event."""
    data = {"team": team, "staff_id": "S-1", "manager_id": manager}
    return {"type": "case_assigned", "occurred_at": on, "data": data}


def missed(due: str) -> dict[str, Any]:
    """A payment_missed event for the installment due on `due`."""
    return {"type": "payment_missed", "occurred_at": due, "data": {"due_date": due}}


def application(on: str, app_id: str = "A1") -> dict[str, Any]:
    """An application_received event."""
    return {"type": "application_received", "occurred_at": on, "data": {"application_id": app_id}}


def open_case(client: TestClient, specialist: str, case_id: str, *, team: str = "east", **kwargs: Any) -> None:
    """Open a case and assign it to `team` (as a specialist of that team)."""
    response = client.post("/v1/cases", json=opened(case_id, **kwargs), headers=bearer(specialist))
    assert response.status_code == 201, response.text
    response = client.post(f"/v1/cases/{case_id}/events", json={"events": [assigned(team)]}, headers=bearer(specialist))
    assert response.status_code == 201, response.text


def assert_problem(response: Any, status: int) -> dict[str, Any]:
    """The response is an RFC 9457 problem with this status and the request id of its X-Request-ID header."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM_JSON)
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    assert {"type", "title", "status", "detail"} <= body.keys()
    assert body["request_id"] == response.headers["x-request-id"]
    assert "Traceback" not in response.text
    return body

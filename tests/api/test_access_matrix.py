"""The full role x endpoint matrix: every combination is asserted allowed or denied, from one table."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from api.app import create_app
from tests.api.support import NOW, application, assert_problem, bearer, issue, make_settings, open_case

SPECIALIST, MANAGER, OFFICER, EXAMINER, ADMIN = "specialist", "manager", "compliance_officer", "examiner", "admin"
ROLES = (SPECIALIST, MANAGER, OFFICER, EXAMINER, ADMIN)
PUBLIC = "public"  # no token needed
READERS = {SPECIALIST, MANAGER, OFFICER, EXAMINER}
CASE_FILE = {"case": {"id": "P-1", "property_state": "NY"}, "as_of": "2026-07-10",
             "events": [application("2026-07-02")]}


@dataclass(frozen=True)
class Endpoint:
    """One route: method, path template, a concrete path and body per role, and who may call it."""

    method: str
    template: str
    allowed: frozenset[str] | str
    path: Callable[[str], str] | None = None
    body: Callable[[str], Any] | None = None
    # What an allowed call answers: any success, unless the table says otherwise (e.g. an unknown alert).
    allowed_statuses: frozenset[int] = frozenset(range(200, 400))

    def url(self, role: str) -> str:
        return self.path(role) if self.path else self.template


def _e(method: str, template: str, allowed: set[str] | str, **kwargs: Any) -> Endpoint:
    return Endpoint(method, template, allowed if isinstance(allowed, str) else frozenset(allowed), **kwargs)


# THE table. A new route fails test_every_route_is_in_the_matrix until it is added here.
MATRIX = (
    _e("GET", "/healthz", PUBLIC),
    _e("GET", "/readyz", PUBLIC),
    _e("GET", "/metrics", PUBLIC),
    _e("POST", "/v1/cases", {SPECIALIST}, body=lambda role: {
        "case_id": f"NEW-{role}", "occurred_at": "2026-07-01",
        "data": {"loan_id": "L", "borrower_ref": "B", "property_state": "NY"}}),
    _e("GET", "/v1/cases", READERS),
    _e("GET", "/v1/cases/{case_id}", READERS, path=lambda _r: "/v1/cases/C-EAST"),
    _e("POST", "/v1/cases/{case_id}/events", {SPECIALIST}, path=lambda _r: "/v1/cases/C-EAST/events",
       body=lambda role: {"events": [application("2026-07-02", f"A-{role}")]}),
    _e("GET", "/v1/cases/{case_id}/events", READERS, path=lambda _r: "/v1/cases/C-EAST/events"),
    _e("GET", "/v1/cases/{case_id}/clocks", READERS, path=lambda _r: "/v1/cases/C-EAST/clocks?as_of=2026-07-10"),
    _e("POST", "/v1/timeline/preview", set(ROLES), body=lambda _r: CASE_FILE),
    _e("GET", "/v1/alerts", {MANAGER, OFFICER, ADMIN}),
    _e("POST", "/v1/alerts/{alert_id}/acknowledge", {MANAGER}, path=lambda _r: "/v1/alerts/no-such-alert/acknowledge",
       allowed_statuses=frozenset({404})),
    _e("GET", "/v1/audit/events", {OFFICER, EXAMINER}),
    _e("GET", "/v1/access-log", {OFFICER}),
    _e("GET", "/v1/rules", set(ROLES)),
    _e("GET", "/v1/calendars/{policy}/business-days", set(ROLES),
       path=lambda _r: "/v1/calendars/us-6103a/business-days?from=2026-07-01&to=2026-07-31"),
    _e("GET", "/v1/calendars/{policy}/holidays", set(ROLES),
       path=lambda _r: "/v1/calendars/us-6103a-observed/holidays?from=2026-01-01&to=2026-12-31"),
    _e("GET", "/v1/integrity", {OFFICER, EXAMINER, ADMIN}),
    _e("POST", "/v1/integrity/verify", {OFFICER}),
    _e("POST", "/v1/integrity/checkpoints", {OFFICER, ADMIN}),
    _e("GET", "/v1/admin/tokens", {ADMIN}),
    _e("POST", "/v1/admin/tokens", {ADMIN}, body=lambda role: {"name": f"new-{role}", "role": "examiner"}),
    _e("POST", "/v1/admin/tokens/{name_or_id}/revoke", {ADMIN},
       path=lambda role: f"/v1/admin/tokens/victim-{role}/revoke"),
    _e("GET", "/v1/admin/configuration", {ADMIN}),
    _e("GET", "/v1/cases/{case_id}/export", {OFFICER, EXAMINER}, path=lambda _r: "/v1/cases/C-EAST/export"),
    _e("GET", "/v1/exports/portfolio", {OFFICER, EXAMINER}, path=lambda _r: "/v1/exports/portfolio?cases=C-EAST"),
    _e("GET", "/v1/reports/{name}", {MANAGER, OFFICER, EXAMINER, ADMIN}, path=lambda _r: "/v1/reports/timeliness"),
    _e("GET", "/v1/reports/{name}/chart.{fmt}", {MANAGER, OFFICER, EXAMINER, ADMIN},
       path=lambda _r: "/v1/reports/pipeline/chart.svg"),
)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, dict[str, str]]]:
    """One service with an east and a west case, a token per role, and a throwaway token per role to revoke."""
    app: FastAPI = create_app(make_settings(tmp_path_factory.mktemp("matrix")), clock=lambda: NOW)
    teams = {SPECIALIST: {"team": "east"}, MANAGER: {"team": "east"}}
    tokens = {role: issue(app, f"{role}-1", role, **teams.get(role, {})) for role in ROLES}
    for role in ROLES:
        issue(app, f"victim-{role}", "examiner")
    west = issue(app, "specialist-west", SPECIALIST, team="west")
    with TestClient(app, raise_server_exceptions=False) as client:
        open_case(client, tokens[SPECIALIST], "C-EAST", team="east")
        open_case(client, west, "C-WEST", team="west")
        yield client, tokens


def _call(client: TestClient, endpoint: Endpoint, role: str, headers: dict[str, str]) -> Any:
    body = endpoint.body(role) if endpoint.body else None
    return client.request(endpoint.method, endpoint.url(role), json=body, headers=headers)


CASES = [pytest.param(e, role, id=f"{e.method} {e.template} as {role}") for e in MATRIX for role in ROLES]


@pytest.mark.parametrize(("endpoint", "role"), CASES)
def test_role_is_allowed_or_denied(world: tuple[TestClient, dict[str, str]], endpoint: Endpoint, role: str) -> None:
    client, tokens = world
    response = _call(client, endpoint, role, bearer(tokens[role]))
    if endpoint.allowed == PUBLIC or role in endpoint.allowed:
        assert response.status_code in endpoint.allowed_statuses, response.text
    else:
        body = assert_problem(response, 403)
        assert role in body["detail"]


@pytest.mark.parametrize("endpoint", [pytest.param(e, id=f"{e.method} {e.template}") for e in MATRIX])
def test_without_a_token(world: tuple[TestClient, dict[str, str]], endpoint: Endpoint) -> None:
    client, _ = world
    response = _call(client, endpoint, "anonymous", {})
    if endpoint.allowed == PUBLIC:
        assert response.status_code == 200
    else:
        assert_problem(response, 401)
        assert response.headers["www-authenticate"].startswith("Bearer")


@pytest.mark.parametrize("endpoint", [pytest.param(e, id=f"{e.method} {e.template}") for e in MATRIX
                                      if e.allowed != PUBLIC])
def test_with_an_unknown_token(world: tuple[TestClient, dict[str, str]], endpoint: Endpoint) -> None:
    client, _ = world
    assert_problem(_call(client, endpoint, "anonymous", bearer("not-a-real-token")), 401)


def test_every_route_is_in_the_matrix(world: tuple[TestClient, dict[str, str]]) -> None:
    client, _ = world
    app: Any = client.app
    paths = app.openapi()["paths"]
    served = {(method.upper(), path) for path, operations in paths.items() for method in operations}
    assert served == {(e.method, e.template) for e in MATRIX}

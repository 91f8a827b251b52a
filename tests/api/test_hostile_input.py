"""SQL-injection and path-traversal attempts in every filter and id: a 4xx or an empty answer, nothing changed."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import quote

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import text

from api.app import create_app
from audit.signing import public_key_pem
from audit.verify import verify_log
from tests.api.support import NOW, application, bearer, issue, make_settings, open_case

PAYLOADS = (
    "' OR '1'='1", "1; DROP TABLE events; --", "C-1' --", '" OR ""="', "../../etc/passwd", "..\\..\\windows",
    "%2e%2e%2fetc%2fpasswd", "C-1\x00", "*", "%", "_",
)
# Query parameters that take free text: an attempt is a value matching nothing (200, no items) or a 4xx.
FILTERS = (
    "/v1/cases?team={}", "/v1/cases?manager={}", "/v1/cases?state={}", "/v1/cases?after={}",
    "/v1/cases?status={}", "/v1/cases/C-1?calendar={}", "/v1/cases/C-1?as_of={}",
    "/v1/cases/C-1/events?type={}", "/v1/cases/C-1/events?actor={}", "/v1/cases/C-1/events?occurred_from={}",
    "/v1/cases/C-1/events?recorded_to={}", "/v1/cases/C-1/events?as_known_at={}", "/v1/cases/C-1/events?after={}",
    "/v1/cases/C-1/clocks?as_of={}", "/v1/cases/C-1/clocks?calendar={}",
    "/v1/audit/events?actor={}", "/v1/audit/events?case_id={}", "/v1/audit/events?type={}",
    "/v1/access-log?actor={}", "/v1/access-log?case_id={}", "/v1/access-log?action={}",
    "/v1/calendars/us-6103a/holidays?from={}&to=2026-01-01",
    "/v1/calendars/us-6103a/business-days?from=2026-01-01&to={}",
)
# Path ids: an attempt names no case, policy or token (4xx).
IDS = (
    "/v1/cases/{}", "/v1/cases/{}/events", "/v1/cases/{}/clocks",
    "/v1/calendars/{}/holidays?from=2026-01-01&to=2026-01-02",
)


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[FastAPI, TestClient, str, str]]:
    app = create_app(make_settings(tmp_path_factory.mktemp("hostile")), clock=lambda: NOW)
    specialist, officer = issue(app, "spec", "specialist", team="east"), issue(app, "officer", "compliance_officer")
    with TestClient(app, raise_server_exceptions=False) as client:
        open_case(client, specialist, "C-1")
        client.post("/v1/cases/C-1/events", json=application("2026-07-02"), headers=bearer(specialist))
        yield app, client, officer, specialist


def _fingerprint(app: FastAPI) -> tuple[object, ...]:
    with app.state.engine.connect() as conn:
        events = conn.execute(text("SELECT count(*), max(hash) FROM events")).one()
        tokens = conn.execute(text("SELECT count(*), count(revoked_at) FROM api_tokens")).one()
    return tuple(events), tuple(tokens)


def _empty_or_refused(response: object) -> bool:
    status = response.status_code  # type: ignore[attr-defined]
    if 400 <= status < 500:
        return True
    body = response.json()  # type: ignore[attr-defined]
    return status == 200 and body.get("items", body.get("holidays", body.get("clocks"))) in ([], None)


@pytest.mark.parametrize("payload", PAYLOADS)
def test_hostile_filters_and_ids(service: tuple[FastAPI, TestClient, str, str], payload: str) -> None:
    app, client, officer, specialist = service
    before = _fingerprint(app)
    for template in FILTERS:
        response = client.get(template.format(quote(payload, safe="")), headers=bearer(officer))
        assert _empty_or_refused(response), (template, payload, response.status_code, response.text)
    for template in IDS:
        response = client.get(template.format(quote(payload, safe="")), headers=bearer(officer))
        assert 400 <= response.status_code < 500, (template, payload, response.status_code)
    encoded = quote(payload, safe="")
    assert 400 <= client.post(f"/v1/admin/tokens/{encoded}/revoke", headers=bearer(officer)).status_code < 500
    appended = client.post(f"/v1/cases/{encoded}/events", json=application("2026-07-02"), headers=bearer(specialist))
    assert 400 <= appended.status_code < 500
    assert _fingerprint(app) == before
    assert verify_log(app.state.engine, public_key_pem(app.state.signing_key)).ok


def test_a_hostile_value_is_stored_as_data_never_run(service: tuple[FastAPI, TestClient, str, str]) -> None:
    app, client, officer, specialist = service
    note = {"type": "note_added", "occurred_at": "2026-07-03", "data": {"text": "'); DROP TABLE events; --"}}
    assert client.post("/v1/cases/C-1/events", json=note, headers=bearer(specialist)).status_code == 201
    trail = client.get("/v1/cases/C-1/events?type=note_added", headers=bearer(officer)).json()["items"]
    assert trail[-1]["data"]["text"] == "'); DROP TABLE events; --"
    assert verify_log(app.state.engine, public_key_pem(app.state.signing_key)).ok

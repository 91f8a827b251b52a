"""Every error class is an RFC 9457 problem carrying the request id, with the status of the mapping table."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from api.app import create_app
from api.problems import validation_loc
from tests.api.support import NOW, application, assert_problem, bearer, issue, make_settings, open_case, opened


def test_malformed_json_is_400(api_client: TestClient, api_tokens: dict[str, str]) -> None:
    headers = bearer(api_tokens["specialist"], **{"Content-Type": "application/json"})
    body = assert_problem(api_client.post("/v1/timeline/preview", content=b'{"case": ', headers=headers), 400)
    assert body["type"] == "/problems/malformed-json"


def test_missing_token_is_401_with_a_challenge(api_client: TestClient) -> None:
    response = api_client.get("/v1/rules")
    assert_problem(response, 401)
    assert response.headers["www-authenticate"] == 'Bearer realm="compliance"'


def test_wrong_scheme_is_401(api_client: TestClient, api_tokens: dict[str, str]) -> None:
    assert_problem(api_client.get("/v1/rules", headers={"Authorization": f"Basic {api_tokens['admin']}"}), 401)


def test_role_not_allowed_is_403(api_client: TestClient, api_tokens: dict[str, str]) -> None:
    body = assert_problem(api_client.get("/v1/access-log", headers=bearer(api_tokens["examiner"])), 403)
    assert body["type"] == "about:blank" and body["title"] == "Forbidden"


def test_unknown_case_is_404(api_client: TestClient, api_tokens: dict[str, str]) -> None:
    response = api_client.get("/v1/cases/NOPE/events", headers=bearer(api_tokens["compliance_officer"]))
    body = assert_problem(response, 404)
    assert body["type"] == "/problems/case-not-found" and body["case_id"] == "NOPE"


def test_appending_to_an_unknown_case_is_404(api_client: TestClient, api_tokens: dict[str, str]) -> None:
    response = api_client.post("/v1/cases/NOPE/events", json=application("2026-07-02"),
                               headers=bearer(api_tokens["specialist"]))
    assert_problem(response, 404)


def test_unknown_route_is_404_and_wrong_method_405(api_client: TestClient) -> None:
    assert_problem(api_client.get("/v1/nothing-here"), 404)
    response = api_client.delete("/v1/rules")
    assert_problem(response, 405)
    assert response.headers["allow"] == "GET"


def test_stale_if_match_is_412_and_race_without_it_409(api_client: TestClient, api_tokens: dict[str, str]) -> None:
    open_case(api_client, api_tokens["specialist"], "C-1")
    stale = bearer(api_tokens["specialist"], **{"If-Match": '"1"'})
    body = assert_problem(api_client.post("/v1/cases/C-1/events", json=application("2026-07-02"), headers=stale), 412)
    assert (body["type"], body["expected_version"], body["current_version"]) == ("/problems/concurrency-conflict", 1, 2)
    again = api_client.post("/v1/cases", json=opened("C-1"), headers=bearer(api_tokens["specialist"]))
    # Opening a case expects version 0; without If-Match the conflict is a 409.
    assert assert_problem(again, 409)["current_version"] == 2


def test_malformed_if_match_is_422_naming_the_header(api_client: TestClient, api_tokens: dict[str, str]) -> None:
    open_case(api_client, api_tokens["specialist"], "C-1")
    headers = bearer(api_tokens["specialist"], **{"If-Match": "yesterday"})
    body = assert_problem(api_client.post("/v1/cases/C-1/events", json=application("2026-07-02"), headers=headers), 422)
    assert body["errors"][0]["loc"] == "header.If-Match"


def test_reused_idempotency_key_with_another_body_is_409(api_client: TestClient, api_tokens: dict[str, str]) -> None:
    open_case(api_client, api_tokens["specialist"], "C-1")
    headers = bearer(api_tokens["specialist"], **{"Idempotency-Key": "k-1"})
    assert api_client.post("/v1/cases/C-1/events", json=application("2026-07-02"), headers=headers).status_code == 201
    response = api_client.post("/v1/cases/C-1/events", json=application("2026-07-03"), headers=headers)
    assert assert_problem(response, 409)["type"] == "/problems/idempotency-conflict"


def test_body_over_the_limit_is_413(api_client: TestClient, api_tokens: dict[str, str]) -> None:
    headers = bearer(api_tokens["specialist"], **{"Content-Type": "application/json"})
    response = api_client.post("/v1/timeline/preview", content=b" " * (1024 * 1024 + 1), headers=headers)
    assert_problem(response, 413)


def test_chunked_body_over_the_limit_is_413(api_client: TestClient, api_tokens: dict[str, str]) -> None:
    def chunks():  # no Content-Length: the limit must hold while reading
        for _ in range(300):
            yield b" " * 4096

    headers = bearer(api_tokens["specialist"], **{"Content-Type": "application/json"})
    assert_problem(api_client.post("/v1/timeline/preview", content=chunks(), headers=headers), 413)


def test_non_json_body_is_415(api_client: TestClient, api_tokens: dict[str, str]) -> None:
    headers = bearer(api_tokens["specialist"], **{"Content-Type": "application/x-www-form-urlencoded"})
    assert_problem(api_client.post("/v1/timeline/preview", content=b"case=1", headers=headers), 415)


def test_rejected_event_is_422_with_field_paths(api_client: TestClient, api_tokens: dict[str, str]) -> None:
    open_case(api_client, api_tokens["specialist"], "C-1")
    bad = {"events": [application("2026-07-02"), {"type": "application_received", "occurred_at": "2026-07-02",
                                                  "data": {}}]}
    body = assert_problem(api_client.post("/v1/cases/C-1/events", json=bad, headers=bearer(api_tokens["specialist"])),
                          422)
    assert body["type"] == "/problems/event-rejected"
    assert body["errors"] == [{"loc": "events[1].data.application_id", "reason": "Field required"}]


def test_request_validation_is_422_with_field_paths(api_client: TestClient, api_tokens: dict[str, str]) -> None:
    body = assert_problem(api_client.post("/v1/cases/C-1/events", json={"events": [{"type": "x"}]},
                                          headers=bearer(api_tokens["specialist"])), 422)
    assert body["type"] == "/problems/validation"
    assert {"loc": "events[0].occurred_at", "reason": "Field required"} in body["errors"]


@pytest.mark.parametrize("parameter", ["as_of=1999-12-31", "as_of=2046-01-01"])
def test_date_outside_the_calendar_is_422_naming_the_parameter(
    api_client: TestClient, api_tokens: dict[str, str], parameter: str
) -> None:
    open_case(api_client, api_tokens["specialist"], "C-1")
    response = api_client.get(f"/v1/cases/C-1/clocks?{parameter}", headers=bearer(api_tokens["specialist"]))
    errors = assert_problem(response, 422)["errors"]
    assert errors[0]["loc"] == "query.as_of" and "outside" in errors[0]["reason"]


def test_calendar_range_in_a_body_is_422(api_client: TestClient, api_tokens: dict[str, str]) -> None:
    case_file = {"case": {"id": "P", "property_state": "NY"}, "events": [application("2099-01-02")]}
    body = assert_problem(api_client.post("/v1/timeline/preview", json=case_file,
                                          headers=bearer(api_tokens["specialist"])), 422)
    assert body["errors"][0]["loc"] == "events[0].occurred_at"


def test_rate_limit_is_429_with_retry_after(tmp_path: Path) -> None:
    app = create_app(make_settings(tmp_path, rate_limit_per_second=0.01, rate_limit_burst=2), clock=lambda: NOW)
    token, other = issue(app, "busy", "admin"), issue(app, "calm", "admin")
    with TestClient(app) as client:
        statuses = [client.get("/v1/rules", headers=bearer(token)).status_code for _ in range(3)]
        assert statuses[:2] == [200, 200]
        response = client.get("/v1/rules", headers=bearer(token))
        assert_problem(response, 429)
        assert int(response.headers["retry-after"]) >= 1
        assert client.get("/v1/rules", headers=bearer(other)).status_code == 200  # buckets are per token


def _failing_app(tmp_path: Path) -> FastAPI:
    app = create_app(make_settings(tmp_path), clock=lambda: NOW)

    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError("SELECT secret FROM events WHERE borrower_ref = 'B-1'")

    return app


def test_unhandled_error_is_500_without_internals_and_logged_with_the_request_id(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    with TestClient(_failing_app(tmp_path), raise_server_exceptions=False) as client:
        response = client.get("/boom", headers={"X-Request-ID": "req-500-test"})
    body = assert_problem(response, 500)
    assert body["request_id"] == "req-500-test" and "req-500-test" in body["detail"]
    assert "SELECT" not in response.text and "RuntimeError" not in response.text
    logged = capfd.readouterr().err
    assert "request_failed" in logged and "req-500-test" in logged and "RuntimeError" in logged


def test_an_insane_request_id_is_replaced(api_client: TestClient) -> None:
    response = api_client.get("/healthz", headers={"X-Request-ID": "bad id\twith spaces"})
    assert response.headers["x-request-id"] != "bad id\twith spaces"
    assert len(response.headers["x-request-id"]) == 32


def test_a_sane_request_id_is_kept(api_client: TestClient) -> None:
    assert api_client.get("/healthz", headers={"X-Request-ID": "abc-123"}).headers["x-request-id"] == "abc-123"


@pytest.mark.parametrize(("loc", "path"), [
    (("body", "events", 0, "data", "x"), "events[0].data.x"),
    (("query", "as_of"), "query.as_of"),
    (("header", "if-match"), "header.if-match"),
    (("body",), "body"),
])
def test_validation_locations_read_as_field_paths(loc: tuple[object, ...], path: str) -> None:
    assert validation_loc(loc) == path

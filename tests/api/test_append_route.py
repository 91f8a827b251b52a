"""The append route's direct path (api.append_route): taken by well-formed requests, and every other request
answered exactly as FastAPI's own handler answers it."""

from __future__ import annotations

import json
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

import api.append_route
from tests.api.support import application, bearer, open_case

_CASES: list[tuple[str, dict[str, str], bytes | None]] = [
    # (path, extra headers, raw body); None: the body of one application_received event
    ("/v1/cases/C-1/events", {}, None),
    ("/v1/cases/C-1/events", {"If-Match": '"2"'}, None),
    ("/v1/cases/C-1/events", {"If-Match": '"7"'}, None),
    ("/v1/cases/C-1/events", {"If-Match": "garbage"}, None),
    ("/v1/cases/C-1/events", {"Idempotency-Key": "k" * 200}, None),
    ("/v1/cases/C-1/events", {"Idempotency-Key": "k" * 201}, None),
    ("/v1/cases/C-404/events", {}, None),
    (f"/v1/cases/{'C' * 201}/events", {}, None),
    ("/v1/cases/C-1/events", {}, b"{not json"),
    ("/v1/cases/C-1/events", {}, b"[]"),
    ("/v1/cases/C-1/events", {}, b'{"events": []}'),
    ("/v1/cases/C-1/events", {}, b'{"events": [{"type": "application_received"}]}'),
    ("/v1/cases/C-1/events", {}, b'{"type": "no_such_event", "occurred_at": "2026-07-02", "data": {}}'),
    ("/v1/cases/C-1/events", {}, b'{"events": [{"type": "x", "occurred_at": "2026-07-02", "extra": 1}]}'),
    ("/v1/cases/C-1/events", {}, b'{"type": "application_received", "occurred_at": "2026-07-02", "data": NaN}'),
    ("/v1/cases/C-1/events", {}, b""),
    ("/v1/cases/C-1/events", {"Content-Type": "text/plain"}, None),
    ("/v1/cases/C-1/events", {"Content-Type": "application/merge-patch+json"}, None),
    # The direct path runs the route's own auth dependency: a bad or missing credential is refused alike.
    ("/v1/cases/C-1/events", {"Authorization": "Bearer not-a-token"}, None),
    ("/v1/cases/C-1/events", {"Authorization": "Basic c3BlY2lhbGlzdDpwYXNz"}, None),
]


def _answers(client: TestClient, token: str) -> list[tuple[int, dict[str, Any], dict[str, str]]]:
    """Each case's status, body (without per-request members) and the headers that describe the outcome."""
    answers = []
    for path, extra, raw in _CASES:
        body = raw if raw is not None else json.dumps(application("2026-07-02")).encode()
        headers = {"Content-Type": "application/json", **bearer(token), **extra}
        response = client.post(path, content=body, headers=headers)
        payload = response.json()
        if isinstance(payload, dict):
            payload.pop("request_id", None)
            for event in payload.get("events", []):
                for varying in ("id", "recorded_at", "hash", "prev_hash"):
                    event.pop(varying)
        kept = {name: response.headers.get(name, "") for name in ("content-type", "etag", "idempotent-replayed")}
        answers.append((response.status_code, payload, kept))
    return answers


def _run(app: FastAPI, token: str) -> list[tuple[int, dict[str, Any], dict[str, str]]]:
    with TestClient(app, raise_server_exceptions=False) as client:
        open_case(client, token, "C-1")
        return _answers(client, token)


@pytest.fixture
def taken(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """Whether each append went the direct way (True) or through FastAPI's handler (False)."""
    seen: list[bool] = []
    parse = api.append_route._parse

    async def watched(*args: Any) -> Any:
        found = await parse(*args)
        seen.append(found is not None)
        return found

    monkeypatch.setattr(api.append_route, "_parse", watched)
    return seen


def test_a_well_formed_append_goes_the_direct_way(
    api_client: TestClient, api_tokens: dict[str, str], taken: list[bool]
) -> None:
    open_case(api_client, api_tokens["specialist"], "C-1")
    response = api_client.post("/v1/cases/C-1/events", json=application("2026-07-02"),
                               headers=bearer(api_tokens["specialist"], **{"Idempotency-Key": "k-1"}))
    assert response.status_code == 201 and response.json()["version"] == 3
    assert taken[-1] is True


def test_every_answer_is_fastapis_own(api_app: FastAPI, api_tokens: dict[str, str], taken: list[bool]) -> None:
    direct = _run(api_app, api_tokens["specialist"])
    assert any(taken) and not all(taken)  # both ways were exercised
    assert {status for status, _, _ in direct} >= {201, 401, 404, 412, 415, 422}


def test_the_answers_match_fastapis_handler(api_app: FastAPI, tmp_path_factory: pytest.TempPathFactory) -> None:
    """The same requests on two fresh services, one with the direct path off (dependency overrides force
    FastAPI's handler): the same statuses, bodies and headers."""
    from api.app import create_app
    from tests.api.support import NOW, issue, make_settings

    def fresh(label: str, *, direct: bool) -> list[tuple[int, dict[str, Any], dict[str, str]]]:
        app = create_app(make_settings(tmp_path_factory.mktemp(label)), clock=lambda: NOW)
        if not direct:
            app.dependency_overrides[_unused] = _unused
        return _run(app, issue(app, "specialist-1", "specialist", team="east"))

    assert fresh("direct", direct=True) == fresh("fastapi", direct=False)


def _unused() -> None:
    """A dependency no route has: overriding it changes nothing but the direct path's eligibility."""

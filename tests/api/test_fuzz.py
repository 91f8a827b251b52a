"""Property-based fuzzing of the OpenAPI schema (Schemathesis): no 5xx, and every response as documented.

Each operation is called with a token of a role allowed to call it, so generated input reaches the handlers.
The example count is bounded so the run stays a test, not a campaign.
"""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from api.app import create_app
from tests.api.support import NOW, application, bearer, issue, make_settings, open_case

MAX_EXAMPLES = 25
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
# The role whose token each operation is called with (any other role would stop at 403).
ROLE_OF = {
    ("POST", "/v1/cases"): "specialist", ("POST", "/v1/cases/{case_id}/events"): "specialist",
    ("GET", "/v1/admin/tokens"): "admin", ("POST", "/v1/admin/tokens"): "admin",
    ("POST", "/v1/admin/tokens/{name_or_id}/revoke"): "admin", ("GET", "/v1/admin/configuration"): "admin",
    ("POST", "/v1/alerts/{alert_id}/acknowledge"): "manager",
}


@pytest.fixture(scope="module")
def fuzz_service(tmp_path_factory: pytest.TempPathFactory) -> tuple[FastAPI, dict[str, str]]:
    """A service with one case, and a token per role the fuzzer calls with."""
    app = create_app(make_settings(tmp_path_factory.mktemp("fuzz")), clock=lambda: NOW)
    tokens = {
        "specialist": issue(app, "fuzz-spec", "specialist", team="east"),
        "compliance_officer": issue(app, "fuzz-officer", "compliance_officer"),
        "admin": issue(app, "fuzz-admin", "admin"),
        "manager": issue(app, "fuzz-manager", "manager", team="east"),
    }
    with TestClient(app) as client:
        open_case(client, tokens["specialist"], "C-1001")
        client.post("/v1/cases/C-1001/events", json=application("2026-07-02"), headers=bearer(tokens["specialist"]))
    return app, tokens


def _fuzz(operation: Any, secret: str) -> None:
    """Hypothesis-driven calls of one operation, every response checked."""

    @given(case=operation.as_strategy())
    @settings(max_examples=MAX_EXAMPLES, deadline=None, derandomize=True,
              suppress_health_check=list(HealthCheck), database=None)
    def run(case: Any) -> None:
        case.call_and_validate(headers=bearer(secret), checks=CHECKS)

    run()


def test_no_server_error_and_every_response_documented(fuzz_service: tuple[FastAPI, dict[str, str]]) -> None:
    app, tokens = fuzz_service
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 19
    for operation in operations:
        role = ROLE_OF.get((operation.method.upper(), operation.path), "compliance_officer")
        _fuzz(operation, tokens[role])

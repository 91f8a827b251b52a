"""Happy paths of integrity, token administration, configuration, health, readiness and metrics."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.testclient import TestClient

from api.app import create_app
from audit.database import make_engine
from tests.api.support import NOW, application, assert_problem, bearer, issue, make_settings, open_case


def test_integrity_checkpoint_and_verification(api_client: TestClient, api_tokens: dict[str, str]) -> None:
    officer = bearer(api_tokens["compliance_officer"])
    assert_problem(api_client.post("/v1/integrity/checkpoints", headers=officer), 409)  # nothing to sign yet
    open_case(api_client, api_tokens["specialist"], "C-1")
    status = api_client.get("/v1/integrity", headers=bearer(api_tokens["examiner"])).json()
    assert status["checkpoint"] is None and status["verification"] is None
    assert status["log_head"]["position"] == 2 and status["public_key"].startswith("-----BEGIN PUBLIC KEY-----")
    signed = api_client.post("/v1/integrity/checkpoints", headers=officer)
    assert signed.status_code == 201 and signed.json()["tree_size"] == 2
    verdict = api_client.post("/v1/integrity/verify", headers=officer).json()
    assert verdict["ok"] is True and verdict["events"]["events_checked"] == 2
    assert verdict["events"]["checkpoints_checked"] == 1 and verdict["access_log"]["ok"] is True
    status = api_client.get("/v1/integrity", headers=officer).json()
    assert status["checkpoint"]["tree_size"] == 2 and status["checkpoint"]["key_id"] == status["key_id"]
    assert status["verification"] == verdict


def test_a_checkpoint_is_signed_every_n_events(tmp_path: Path) -> None:
    app = create_app(make_settings(tmp_path, checkpoint_every=3), clock=lambda: NOW)
    specialist, officer = issue(app, "s", "specialist", team="east"), issue(app, "o", "compliance_officer")
    with TestClient(app) as client:
        open_case(client, specialist, "C-1")  # positions 1-2
        client.post("/v1/cases/C-1/events", json=application("2026-07-02"), headers=bearer(specialist))  # 3
        status = client.get("/v1/integrity", headers=bearer(officer)).json()
    assert status["checkpoint"]["tree_size"] == 3


def test_tokens_issued_used_and_revoked_over_the_api(api_client: TestClient, api_tokens: dict[str, str]) -> None:
    admin = bearer(api_tokens["admin"])
    created = api_client.post("/v1/admin/tokens", json={"name": "dialer-east", "role": "specialist", "team": "east"},
                              headers=admin)
    assert created.status_code == 201
    secret, grant = created.json()["token"], created.json()["grant"]
    assert grant["role"] == "specialist" and "token_hash" not in grant
    assert api_client.get("/v1/rules", headers=bearer(secret)).status_code == 200
    duplicate = api_client.post("/v1/admin/tokens", json={"name": "dialer-east", "role": "manager", "team": "x"},
                                headers=admin)
    assert assert_problem(duplicate, 422)["type"] == "/problems/token-refused"
    listed = api_client.get("/v1/admin/tokens", headers=admin).json()["items"]
    assert "dialer-east" in {t["name"] for t in listed}
    revoked = api_client.post("/v1/admin/tokens/dialer-east/revoke", headers=admin).json()["items"]
    assert revoked[0]["revoked_at"] is not None
    assert_problem(api_client.get("/v1/rules", headers=bearer(secret)), 401)
    assert_problem(api_client.post("/v1/admin/tokens/nobody/revoke", headers=admin), 404)
    log = api_client.get("/v1/access-log?actor=admin-1", headers=bearer(api_tokens["compliance_officer"])).json()
    assert [e["action"] for e in log["items"]] == ["token_issued", "token_revoked"]


def test_token_requests_are_validated(api_client: TestClient, api_tokens: dict[str, str]) -> None:
    admin = bearer(api_tokens["admin"])
    no_team = api_client.post("/v1/admin/tokens", json={"name": "m", "role": "manager"}, headers=admin)
    assert "team" in assert_problem(no_team, 422)["detail"]
    bad_role = api_client.post("/v1/admin/tokens", json={"name": "r", "role": "system"}, headers=admin)
    assert assert_problem(bad_role, 422)["errors"][0]["loc"] == "role"


def test_configuration_shows_no_secrets(api_client: TestClient, api_tokens: dict[str, str]) -> None:
    config = api_client.get("/v1/admin/configuration", headers=bearer(api_tokens["admin"])).json()
    assert config["calendar_policy"] == "us-6103a" and config["database_backend"] == "sqlite"
    assert not {"database_url", "webhook_secret", "smtp_password", "signing_key_path"} & config.keys()


def test_health_and_readiness(api_client: TestClient) -> None:
    assert api_client.get("/healthz").json() == {"status": "ok"}
    assert api_client.get("/readyz").json()["migrations"] == "current"


def test_readiness_fails_on_an_unmigrated_database(api_app: FastAPI, tmp_path: Path) -> None:
    api_app.state.engine = make_engine(f"sqlite:///{(tmp_path / 'empty.db').as_posix()}")
    with TestClient(api_app, raise_server_exceptions=False) as client:
        assert_problem(client.get("/readyz"), 503)


def test_metrics_count_requests_by_route_template(api_client: TestClient, api_tokens: dict[str, str]) -> None:
    open_case(api_client, api_tokens["specialist"], "C-1")
    api_client.get("/v1/cases/C-1/events", headers=bearer(api_tokens["specialist"]))
    api_client.get("/v1/nowhere/at/all")
    text = api_client.get("/metrics").text
    assert 'compliance_http_requests_total{method="POST",route="/v1/cases/{case_id}/events",status="201"} 1.0' in text
    assert 'route="/v1/cases/{case_id}/events",status="200"' in text
    assert 'route="unmatched",status="404"' in text and "/v1/nowhere" not in text
    assert "compliance_events_appended_total 2.0" in text
    assert "compliance_http_request_duration_seconds_bucket" in text
    for gauge in ("compliance_open_clocks", "compliance_breached_clocks", "compliance_scheduler_lag_seconds"):
        assert f"# TYPE {gauge} gauge" in text

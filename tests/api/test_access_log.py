"""The tamper-evident access log and token storage (audit/access_log.py, audit/tokens.py) through the API."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from audit.access_log import record_access, verify_access_log
from audit.tokens import TokenRefused, TokenRequest, authenticate, case_team, hash_secret, issue_token, revoke_token
from tests.api.support import NOW, assert_problem, bearer, issue, open_case


def _log(client: TestClient, officer: str, query: str = "") -> list[dict[str, object]]:
    response = client.get(f"/v1/access-log?{query}", headers=bearer(officer))
    assert response.status_code == 200, response.text
    return response.json()["items"]  # type: ignore[no-any-return]


def test_examiner_and_officer_reads_are_recorded(api_client: TestClient, api_tokens: dict[str, str]) -> None:
    open_case(api_client, api_tokens["specialist"], "C-1")
    examiner = bearer(api_tokens["examiner"], **{"X-Request-ID": "exam-read-1"})
    officer = api_tokens["compliance_officer"]
    api_client.get("/v1/cases/C-1/events?type=case_opened", headers=examiner)
    api_client.get("/v1/cases/C-1", headers=bearer(api_tokens["examiner"]))
    api_client.get("/v1/cases/C-1/clocks", headers=bearer(officer))
    api_client.get("/v1/audit/events?actor=specialist-1", headers=bearer(officer))
    api_client.get("/v1/cases/C-1/events", headers=bearer(api_tokens["specialist"]))  # not an examiner: not logged
    api_client.get("/v1/cases/C-1/events", headers=bearer(api_tokens["manager"]))
    entries = _log(api_client, officer)
    assert [(e["action"], e["actor"]["id"], e["case_id"]) for e in entries] == [
        ("case_trail_read", "examiner-1", "C-1"), ("case_summary_read", "examiner-1", "C-1"),
        ("case_clocks_read", "compliance_officer-1", "C-1"), ("audit_query", "compliance_officer-1", None),
    ]
    first = entries[0]["data"]
    assert first == {"method": "GET", "path": "/v1/cases/C-1/events", "query": {"type": "case_opened"},
                     "request_id": "exam-read-1"}
    assert [e["position"] for e in _log(api_client, officer, "actor=examiner-1")] == [1, 2]
    clocks_reads = _log(api_client, officer, "case_id=C-1&action=case_clocks_read")
    assert [e["action"] for e in clocks_reads] == ["case_clocks_read"]
    assert len(_log(api_client, officer, "limit=2")) == 2


def test_a_denied_read_attempt_is_recorded_too(api_app: FastAPI, api_client: TestClient,
                                                 api_tokens: dict[str, str]) -> None:
    open_case(api_client, api_tokens["specialist"], "C-1")
    limited = issue(api_app, "exam-other", "examiner", cases=["C-9"])
    assert_problem(api_client.get("/v1/cases/C-1/events", headers=bearer(limited)), 403)
    entries = _log(api_client, api_tokens["compliance_officer"], "actor=exam-other")
    assert [(e["action"], e["case_id"]) for e in entries] == [("case_trail_read", "C-1")]


def test_the_access_log_chain_verifies_and_refuses_edits(api_app: FastAPI) -> None:
    engine = api_app.state.engine
    for n in range(3):
        record_access(engine, actor_id="examiner-1", actor_role="examiner", action="case_trail_read",
                      case_id=f"C-{n}", details={"n": n}, now=NOW)
    report = verify_access_log(engine)
    assert report.ok and report.entries_checked == 3
    with pytest.raises(IntegrityError), engine.begin() as conn:
        conn.execute(text("UPDATE access_log SET actor_id = 'someone' WHERE position = 2"))
    with pytest.raises(IntegrityError), engine.begin() as conn:
        conn.execute(text("DELETE FROM access_log WHERE position = 3"))


def test_verification_finds_an_edit_and_a_deletion_made_behind_the_triggers(api_app: FastAPI) -> None:
    engine = api_app.state.engine
    for n in range(4):
        record_access(engine, actor_id="examiner-1", actor_role="examiner", action="case_trail_read",
                      case_id=f"C-{n}", details={"n": n}, now=NOW)
    with engine.begin() as conn:
        conn.execute(text("DROP TRIGGER access_log_no_update"))
        conn.execute(text("DROP TRIGGER access_log_no_delete"))
        conn.execute(text("UPDATE access_log SET case_id = 'C-X' WHERE position = 2"))
        conn.execute(text("DELETE FROM access_log WHERE position = 3"))
    findings = verify_access_log(engine).findings
    assert any(f.startswith("position 2: content") for f in findings)
    assert any(f.startswith("position 3: missing") for f in findings)


def test_verify_endpoint_reports_a_broken_access_log(api_app: FastAPI, api_client: TestClient,
                                                    api_tokens: dict[str, str]) -> None:
    record_access(api_app.state.engine, actor_id="x", actor_role="examiner", action="case_trail_read", case_id="C",
                  details={}, now=NOW)
    with api_app.state.engine.begin() as conn:
        conn.execute(text("DROP TRIGGER access_log_no_update"))
        conn.execute(text("UPDATE access_log SET actor_id = 'y'"))
    verdict = api_client.post("/v1/integrity/verify", headers=bearer(api_tokens["compliance_officer"])).json()
    assert verdict["ok"] is False and verdict["access_log"]["findings"]


def test_only_the_hash_of_a_secret_is_stored(api_app: FastAPI) -> None:
    engine = api_app.state.engine
    secret, grant = issue_token(engine, TokenRequest(name="s-1", role="specialist", team="east"), now=NOW)
    assert len(secret) >= 43  # token_urlsafe(32): 256 random bits
    with engine.connect() as conn:
        row = conn.execute(text("SELECT * FROM api_tokens WHERE id = :id"), {"id": grant.id}).one()
    assert secret not in repr(tuple(row)) and row.token_hash == hash_secret(secret)
    assert authenticate(engine, secret, now=NOW) == grant
    assert authenticate(engine, secret + "x", now=NOW) is None


def test_expired_and_revoked_tokens_stop_working(api_app: FastAPI, api_client: TestClient) -> None:
    engine = api_app.state.engine
    expiring, _ = issue_token(engine, TokenRequest(name="short", role="admin", expires_at=NOW + timedelta(seconds=1)),
                              now=NOW)
    assert authenticate(engine, expiring, now=NOW) is not None
    assert authenticate(engine, expiring, now=NOW + timedelta(seconds=1)) is None
    expired, _ = issue_token(engine, TokenRequest(name="old", role="admin", expires_at=NOW - timedelta(days=1)),
                             now=NOW - timedelta(days=2))
    assert_problem(api_client.get("/v1/rules", headers=bearer(expired)), 401)
    revoked, _ = issue_token(engine, TokenRequest(name="gone", role="admin"), now=NOW)
    revoke_token(engine, "gone", now=NOW)
    assert_problem(api_client.get("/v1/rules", headers=bearer(revoked)), 401)
    again, _ = issue_token(engine, TokenRequest(name="gone", role="admin"), now=NOW)  # the name is free again
    assert api_client.get("/v1/rules", headers=bearer(again)).status_code == 200


@pytest.mark.parametrize(("request_", "why"), [
    (TokenRequest(name="a", role="root"), "unknown role"),
    (TokenRequest(name="has space", role="admin"), "name"),
    (TokenRequest(name="s", role="specialist"), "needs a team"),
    (TokenRequest(name="o", role="compliance_officer", valid_from=NOW.date()), "examiner tokens only"),
    (TokenRequest(name="e", role="examiner", valid_from=NOW.date(), valid_to=NOW.date() - timedelta(days=1)),
     "ends before"),
    (TokenRequest(name="x", role="admin", expires_at=datetime(2027, 1, 1)), "UTC offset"),  # noqa: DTZ001
])
def test_token_requests_are_refused_with_a_reason(api_app: FastAPI, request_: TokenRequest, why: str) -> None:
    with pytest.raises(TokenRefused, match=why):
        issue_token(api_app.state.engine, request_, now=NOW)


def test_case_team_follows_the_latest_assignment(api_app: FastAPI, api_client: TestClient,
                                                  api_tokens: dict[str, str]) -> None:
    open_case(api_client, api_tokens["specialist"], "C-1", team="east")
    assert case_team(api_app.state.engine, "C-1") == "east"
    assert case_team(api_app.state.engine, "C-404") is None

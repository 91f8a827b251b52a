"""Over real HTTP: `compliance serve` (uvicorn, --factory) in a subprocess on a free port, SQLite file database.

Happy paths and every error class, as a client on the network sees them.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text

from audit.database import make_engine
from audit.migrate import upgrade
from audit.tokens import TokenRequest, issue_token
from tests.api.support import NOW, PROBLEM_JSON

STARTUP_SECONDS = 60  # an upper bound to wait for the server, not a performance assertion
MAX_BYTES = 65_536
OPENED = {"case_id": "L-1", "occurred_at": "2025-01-02",
          "data": {"loan_id": "L", "borrower_ref": "B", "property_state": "NY"}}
ASSIGNED = {"type": "case_assigned", "occurred_at": "2025-01-02",
            "data": {"team": "east", "staff_id": "S", "manager_id": "M"}}
APPLICATION = {"type": "application_received", "occurred_at": "2025-03-03", "data": {"application_id": "A1"}}


@dataclass(frozen=True)
class Live:
    """A running server: its base URL, a token per name, its database URL and its log file."""

    client: httpx.Client
    tokens: dict[str, str]
    database_url: str
    log: Path

    def headers(self, who: str, **extra: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[who]}", **extra}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _tokens(url: str) -> dict[str, str]:
    engine = make_engine(url)
    upgrade(engine)
    grants = {"specialist": TokenRequest("spec", "specialist", team="east"),
              "officer": TokenRequest("officer", "compliance_officer"),
              "examiner": TokenRequest("exam", "examiner"), "flood": TokenRequest("flood", "admin")}
    tokens = {who: issue_token(engine, grant, now=NOW)[0] for who, grant in grants.items()}
    engine.dispose()
    return tokens


def _environment(folder: Path, url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("COMPLIANCE_")}
    env.update(COMPLIANCE_DATA_DIR=str(folder), COMPLIANCE_DATABASE_URL=url, COMPLIANCE_LOG_FORMAT="json",
               COMPLIANCE_MAX_REQUEST_BYTES=str(MAX_BYTES), COMPLIANCE_RATE_LIMIT_PER_SECOND="0.5",
               COMPLIANCE_RATE_LIMIT_BURST="100", COMPLIANCE_SCHEDULER_ENABLED="false")
    return env


def _wait_until_up(client: httpx.Client, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"server exited with {process.returncode}:\n{log.read_text()}")
        try:
            if client.get("/healthz").status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.1)
    pytest.fail(f"server did not answer within {STARTUP_SECONDS} s:\n{log.read_text()}")


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    """`compliance serve --port N` in a subprocess, stopped (SIGTERM) after the module's tests."""
    folder = tmp_path_factory.mktemp("live")
    url = f"sqlite:///{(folder / 'live.db').as_posix()}"
    tokens, port, log = _tokens(url), _free_port(), folder / "server.log"
    with log.open("wb") as sink:
        process = subprocess.Popen(  # noqa: S603 - our own interpreter and CLI
            [sys.executable, "-c", "from api.cli import main; main()", "serve", "--port", str(port)],
            env=_environment(folder, url), cwd=folder, stdout=sink, stderr=subprocess.STDOUT,
        )
    client = httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30)
    try:
        _wait_until_up(client, process, log)
        server = Live(client, tokens, url, log)
        _seed(server)
        yield server
    finally:
        client.close()
        process.terminate()
        process.wait(timeout=30)


def _seed(live: Live) -> None:
    """Case L-1, opened and assigned to team east, for the error-class tests."""
    assert live.client.post("/v1/cases", json=OPENED, headers=live.headers("specialist")).status_code == 201
    response = live.client.post("/v1/cases/L-1/events", json=ASSIGNED, headers=live.headers("specialist"))
    assert response.status_code == 201


def _problem(response: httpx.Response, status: int) -> dict[str, object]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM_JSON)
    body: dict[str, object] = response.json()
    assert body["status"] == status and body["request_id"] == response.headers["x-request-id"]
    return body


def test_happy_path(live: Live) -> None:
    client = live.client
    assert client.get("/readyz").json()["migrations"] == "current"
    opened = client.post("/v1/cases", json={**OPENED, "case_id": "H-1"}, headers=live.headers("specialist"))
    assert opened.status_code == 201 and opened.headers["etag"] == '"1"'
    batch = {"events": [ASSIGNED, APPLICATION]}
    if_match = live.headers("specialist", **{"If-Match": '"1"'})
    appended = client.post("/v1/cases/H-1/events", json=batch, headers=if_match)
    assert appended.status_code == 201 and appended.json()["version"] == 3
    assert [e["actor"]["id"] for e in appended.json()["events"]] == ["spec", "spec"]
    trail = client.get("/v1/cases/H-1/events", headers=live.headers("examiner"))
    assert [e["version"] for e in trail.json()["items"]] == [1, 2, 3]
    clocks = client.get("/v1/cases/H-1/clocks?as_of=2025-03-05", headers=live.headers("examiner")).json()
    ack = next(c for c in clocks["clocks"] if c["rule"] == "lm_ack_notice")
    assert (ack["due"], ack["status"]) == ("2025-03-10", "open")  # Mon 03-03 + 5 business days
    log = client.get("/v1/access-log?case_id=H-1", headers=live.headers("officer")).json()["items"]
    assert [(e["action"], e["actor"]["id"]) for e in log] == [("case_trail_read", "exam"), ("case_clocks_read", "exam")]
    assert 'route="/v1/cases/{case_id}/events",status="201"' in client.get("/metrics").text


def test_every_response_carries_a_request_id(live: Live) -> None:
    assert live.client.get("/healthz", headers={"X-Request-ID": "live-1"}).headers["x-request-id"] == "live-1"
    assert len(live.client.get("/healthz").headers["x-request-id"]) == 32


def test_client_errors(live: Live) -> None:
    client, spec = live.client, live.headers("specialist")
    _problem(client.post("/v1/timeline/preview", content=b"{", headers={**spec, "Content-Type": "application/json"}),
             400)
    _problem(client.get("/v1/rules"), 401)
    _problem(client.post("/v1/cases/L-1/events", json=APPLICATION, headers=live.headers("examiner")), 403)
    _problem(client.get("/v1/cases/NOPE", headers=live.headers("officer")), 404)
    _problem(client.delete("/v1/rules", headers=spec), 405)
    _problem(client.post("/v1/timeline/preview", content=b"x" * (MAX_BYTES + 1),
                         headers={**spec, "Content-Type": "application/json"}), 413)
    _problem(client.post("/v1/timeline/preview", content=b"case", headers={**spec, "Content-Type": "text/plain"}), 415)
    bad = {**APPLICATION, "data": {}}
    errors = _problem(client.post("/v1/cases/L-1/events", json=bad, headers=spec), 422)["errors"]
    assert errors == [{"loc": "events[0].data.application_id", "reason": "Field required"}]
    errors = _problem(client.get("/v1/cases/L-1/clocks?as_of=2051-01-01", headers=spec), 422)["errors"]
    assert errors[0]["loc"] == "query.as_of"  # type: ignore[index]


def test_conflicts(live: Live) -> None:
    client = live.client
    version = int(client.get("/v1/cases/L-1", headers=live.headers("officer")).headers["etag"].strip('"'))
    stale = live.headers("specialist", **{"If-Match": f'"{version - 1}"'})
    _problem(client.post("/v1/cases/L-1/events", json=APPLICATION, headers=stale), 412)
    _problem(client.post("/v1/cases", json=OPENED, headers=live.headers("specialist")), 409)
    keyed = live.headers("specialist", **{"Idempotency-Key": "live-key"})
    assert client.post("/v1/cases/L-1/events", json=APPLICATION, headers=keyed).status_code == 201
    assert client.post("/v1/cases/L-1/events", json=APPLICATION, headers=keyed).status_code == 200
    other = {**APPLICATION, "data": {"application_id": "A2"}}
    assert _problem(client.post("/v1/cases/L-1/events", json=other, headers=keyed), 409)["type"] == \
        "/problems/idempotency-conflict"


def test_rate_limit(live: Live) -> None:
    statuses = [live.client.get("/v1/rules", headers=live.headers("flood")).status_code for _ in range(110)]
    assert statuses[0] == 200 and 429 in statuses
    limited = live.client.get("/v1/rules", headers=live.headers("flood"))
    _problem(limited, 429)
    assert int(limited.headers["retry-after"]) >= 1
    assert live.client.get("/v1/rules", headers=live.headers("officer")).status_code == 200


def test_internal_error_is_a_bare_500_logged_with_its_request_id(live: Live) -> None:
    # A row that cannot be read back (its payload is not JSON), written behind the API's back.
    engine = make_engine(live.database_url)
    with engine.begin() as conn:
        conn.execute(text(
            "INSERT INTO events (position, id, case_id, version, type, schema_version, occurred_at, recorded_at, "
            "actor_id, actor_role, data, idempotency_key, salt, prev_hash, hash) VALUES (1000000, 'broken', "
            "'BROKEN', 1, 'case_opened', 1, '2025-01-01', '2025-01-01T00:00:00.000000Z', 'x', 'admin', "
            "'SELECT * FROM secrets', NULL, '00', '0', '0')"
        ))
    engine.dispose()
    response = live.client.get("/v1/cases/BROKEN/events", headers=live.headers("officer", **{"X-Request-ID": "boom-1"}))
    body = _problem(response, 500)
    assert body["request_id"] == "boom-1" and "SELECT" not in response.text and "Traceback" not in response.text
    assert live.client.get("/healthz").status_code == 200  # the server carries on
    deadline = time.monotonic() + STARTUP_SECONDS
    while "request_failed" not in live.log.read_text() and time.monotonic() < deadline:
        time.sleep(0.05)
    failed = [line for line in live.log.read_text().splitlines() if "request_failed" in line]
    assert failed and "boom-1" in failed[-1]

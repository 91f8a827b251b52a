"""Append and read through the API on each database: SQLite always, PostgreSQL when reachable."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from api.app import create_app
from tests.api.support import NOW, application, assert_problem, bearer, issue, make_settings, open_case

BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A SQLite file, or a fresh schema of its own in the session's PostgreSQL database (dropped afterwards)."""
    if request.param == "sqlite":
        yield f"sqlite:///{(tmp_path / 'api.db').as_posix()}"
        return
    server = make_url(request.getfixturevalue("postgres_server_url"))
    schema = f"api_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield server.update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def test_append_and_read_through_the_api(database_url: str, tmp_path: Path) -> None:
    app = create_app(make_settings(tmp_path, database_url=database_url), clock=lambda: NOW)
    specialist, officer = issue(app, "spec", "specialist", team="east"), issue(app, "officer", "compliance_officer")
    with TestClient(app, raise_server_exceptions=False) as client:
        assert client.get("/readyz").status_code == 200
        open_case(client, specialist, "C-1")
        stale = bearer(specialist, **{"If-Match": '"1"'})
        assert_problem(client.post("/v1/cases/C-1/events", json=application("2026-07-02"), headers=stale), 412)
        current = bearer(specialist, **{"If-Match": '"2"', "Idempotency-Key": "k"})
        assert client.post("/v1/cases/C-1/events", json=application("2026-07-02"), headers=current).status_code == 201
        assert client.post("/v1/cases/C-1/events", json=application("2026-07-02"), headers=current).status_code == 200
        trail = client.get("/v1/cases/C-1/events", headers=bearer(officer)).json()["items"]
        assert [(e["version"], e["position"]) for e in trail] == [(1, 1), (2, 2), (3, 3)]
        clocks = client.get("/v1/cases/C-1/clocks?as_of=2026-07-06", headers=bearer(officer)).json()["clocks"]
        assert any(c["rule"] == "lm_ack_notice" and c["due"] == "2026-07-09" for c in clocks)
        assert client.post("/v1/integrity/verify", headers=bearer(officer)).json()["ok"] is True
        log = client.get("/v1/access-log", headers=bearer(officer)).json()["items"]
        assert [e["action"] for e in log] == ["case_trail_read", "case_clocks_read"]

"""GET /v1/cases/{id}/export and GET /v1/exports/portfolio: examiner and compliance officer only, access-logged,
and what they return verifies offline. (Lives here with the other export tests; it could move to tests/api.)"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from api.app import create_app
from api.routes import exports
from audit.access_log import AccessQuery, access_entries
from audit.export import verifier
from tests.api.support import NOW, bearer, issue, make_settings
from tests.audit.test_export_cases import build_log


@pytest.fixture
def app(tmp_path: Path) -> FastAPI:
    service = create_app(make_settings(tmp_path), clock=lambda: NOW)
    if not any(getattr(r, "path", "") == "/v1/exports/portfolio" for r in service.routes):
        service.include_router(exports.router)  # until api/routes/__init__.py lists it
    build_log(service.state.engine, service.state.signing_key)
    return service


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


def _verified(content: bytes, tmp_path: Path) -> verifier.Report:
    path = tmp_path / "bundle.zip"
    path.write_bytes(content)
    return verifier.verify_bundle(path)


def test_an_examiner_downloads_a_case_bundle_that_verifies_and_is_access_logged(
    app: FastAPI, client: TestClient, tmp_path: Path
) -> None:
    examiner = issue(app, "examiner-1", "examiner")
    response = client.get("/v1/cases/C-1/export?redact=true", headers=bearer(examiner))
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/zip"
    assert 'filename="case-C-1-export.zip"' in response.headers["content-disposition"]
    report = _verified(response.content, tmp_path)
    assert report.problems == [] and report.verdict() == "VERIFIED"
    assert b"B-SECRET-0001" not in zipfile.ZipFile(io.BytesIO(response.content)).read("events.jsonl")
    [entry] = access_entries(app.state.engine, AccessQuery(action="case_export"))
    assert (entry.actor_id, entry.case_id, entry.data["query"]) == ("examiner-1", "C-1", {"redact": "true"})


def test_other_roles_may_not_export_and_an_unknown_case_is_404(app: FastAPI, client: TestClient) -> None:
    specialist = issue(app, "s-1", "specialist", team="east")
    assert client.get("/v1/cases/C-1/export", headers=bearer(specialist)).status_code == 403
    officer = issue(app, "o-1", "compliance_officer")
    assert client.get("/v1/cases/C-404/export", headers=bearer(officer)).status_code == 404
    limited = issue(app, "e-2", "examiner", cases=["C-2"])
    assert client.get("/v1/cases/C-1/export", headers=bearer(limited)).status_code == 403


def test_the_portfolio_streams_a_zip_that_verifies(app: FastAPI, client: TestClient, tmp_path: Path) -> None:
    officer = issue(app, "o-1", "compliance_officer")
    response = client.get("/v1/exports/portfolio?from=2026-01-01&to=2026-07-10", headers=bearer(officer))
    assert response.status_code == 200, response.text
    report = _verified(response.content, tmp_path)
    assert report.problems == [], report.problems
    names = zipfile.ZipFile(io.BytesIO(response.content)).namelist()
    assert "loans.csv" in names and "proofs.jsonl" in names
    assert access_entries(app.state.engine, AccessQuery(action="portfolio_export"))


def test_a_portfolio_needs_a_range_or_cases_within_the_tokens_scope(app: FastAPI, client: TestClient) -> None:
    officer = issue(app, "o-1", "compliance_officer")
    assert client.get("/v1/exports/portfolio", headers=bearer(officer)).status_code == 422
    limited = issue(app, "e-2", "examiner", cases=["C-2"])
    assert client.get("/v1/exports/portfolio?cases=C-1", headers=bearer(limited)).status_code == 403
    assert client.get("/v1/exports/portfolio?cases=C-2", headers=bearer(limited)).status_code == 200

"""HTTP API fixtures: an app on a fresh SQLite file with a fixed clock, a client, and one token per role.

Fixture names carry an `api_` prefix: other test modules in this folder (alert delivery) define their own.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from api.app import create_app
from tests.api.support import NOW, issue, make_settings


@pytest.fixture
def api_app(tmp_path: Path) -> FastAPI:
    """A freshly migrated service on a SQLite file in tmp_path; its clock always reads NOW."""
    return create_app(make_settings(tmp_path), clock=lambda: NOW)


@pytest.fixture
def api_client(api_app: FastAPI) -> Iterator[TestClient]:
    """A TestClient with the lifespan running (group commit started)."""
    with TestClient(api_app, raise_server_exceptions=False) as client:
        yield client


@pytest.fixture
def api_tokens(api_app: FastAPI) -> dict[str, str]:
    """Secrets by role: specialist and manager of team east, an unlimited officer, examiner and admin."""
    grants: dict[str, dict[str, Any]] = {
        "specialist": {"team": "east"}, "manager": {"team": "east"}, "compliance_officer": {},
        "examiner": {}, "admin": {},
    }
    return {role: issue(api_app, f"{role}-1", role, **extra) for role, extra in grants.items()}

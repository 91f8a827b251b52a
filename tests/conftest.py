"""Shared fixtures: the golden folder, a fixed NOW, and per-session SQLite / PostgreSQL databases."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
GOLDEN_DIR = ROOT.parent / "shared" / "golden"
NOW = datetime(2026, 7, 10, 15, 0, tzinfo=UTC)
DEFAULT_PG_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


@pytest.fixture
def now() -> datetime:
    """A fixed wall-clock instant; nothing in the tests reads the real clock for domain decisions."""
    return NOW


@pytest.fixture(scope="session")
def golden_dir() -> Path:
    """../shared/golden read in place; the tests that need it skip cleanly when it is absent."""
    if not (GOLDEN_DIR / "cases.jsonl").exists():
        pytest.skip(f"golden cases not found at {GOLDEN_DIR} (the shared/ folder is absent)")
    return GOLDEN_DIR


def _pg_admin_url() -> str:
    return os.environ.get("COMPLIANCE_TEST_POSTGRES_URL", DEFAULT_PG_ADMIN_URL)


@pytest.fixture(scope="session")
def postgres_server_url() -> Iterator[str]:
    """A fresh, empty PostgreSQL database for this test session (dropped afterwards), or a clean skip."""
    admin_url = _pg_admin_url()
    try:
        admin = create_engine(admin_url, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3})
        with admin.connect() as conn:
            conn.execute(text("select 1"))
    except Exception as exc:  # noqa: BLE001 - any failure to connect means "no server here"
        pytest.skip(f"PostgreSQL not reachable at {make_url(admin_url).render_as_string()}: {exc.__class__.__name__}")
    name = f"compliance_test_{uuid.uuid4().hex[:12]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(autouse=True)
def _isolated_logging() -> Iterator[None]:
    """CLI commands configure logging onto the runner's stderr, closed after the test: undo it every time."""
    import logging

    import structlog

    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    structlog.reset_defaults()
    root.handlers[:] = handlers
    root.setLevel(level)

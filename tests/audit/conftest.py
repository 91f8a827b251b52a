"""Store fixtures shared by the audit tests: a fresh, migrated log on SQLite and on PostgreSQL."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

from audit.database import make_engine
from audit.migrate import upgrade

BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


def _sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{(tmp_path / 'log.db').as_posix()}"


def _postgres_url(request: pytest.FixtureRequest) -> str:
    """A fresh schema in the session's database; the URL pins search_path so child processes use it too."""
    server = make_url(request.getfixturevalue("postgres_server_url"))
    schema = f"log_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()

    request.addfinalizer(drop)
    url = server.update_query_dict({"options": f"-csearch_path={schema}"})
    return url.render_as_string(hide_password=False)


@pytest.fixture(params=BACKENDS)
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """URL of a fresh, migrated, empty log: a SQLite file in tmp_path, or a PostgreSQL schema of its own."""
    url = _sqlite_url(tmp_path) if request.param == "sqlite" else _postgres_url(request)
    engine = make_engine(url)
    try:
        upgrade(engine)
    finally:
        engine.dispose()
    return url


@pytest.fixture
def store_engine(store_url: str) -> Iterator[Engine]:
    """An Engine on a fresh, migrated, empty log (parametrised: sqlite, postgres)."""
    engine = make_engine(store_url)
    yield engine
    engine.dispose()

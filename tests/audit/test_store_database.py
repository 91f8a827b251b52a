"""Engines: SQLite durability settings on every connection, PostgreSQL through psycopg 3."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from audit.database import make_engine, write_transaction


def test_sqlite_connections_are_durable_and_the_folder_is_made(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{(tmp_path / 'new' / 'folder' / 'log.db').as_posix()}", busy_timeout_ms=1234)
    with engine.connect() as first, engine.connect() as second:
        for conn in (first, second):
            pragmas = {name: conn.execute(text(f"PRAGMA {name}")).scalar_one()
                       for name in ("journal_mode", "synchronous", "foreign_keys", "busy_timeout")}
            assert pragmas == {"journal_mode": "wal", "synchronous": 2, "foreign_keys": 1, "busy_timeout": 1234}
    assert (tmp_path / "new" / "folder" / "log.db").exists()
    engine.dispose()


def test_sqlite_write_transactions_take_the_write_lock_at_begin(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{(tmp_path / 'log.db').as_posix()}", busy_timeout_ms=0)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE t (x INTEGER)"))
    with write_transaction(engine), engine.connect() as other:
        # Another writer cannot even begin: the lock was taken by BEGIN IMMEDIATE, before any statement.
        with pytest.raises(OperationalError, match="database is locked"), write_transaction(other):
            pass
        # Readers are not blocked (WAL), and plain transactions stay deferred.
        assert other.execute(text("SELECT count(*) FROM t")).scalar_one() == 0
    engine.dispose()


def test_postgresql_urls_use_psycopg_3() -> None:
    engine = make_engine("postgresql://user@localhost/db")
    assert engine.dialect.driver == "psycopg"
    engine.dispose()

"""Point reads on the driver's cursor: the rows of one statement, the pooled connection left as it was found."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine

from audit.driver_reads import fetch, per_dialect
from audit.store import append
from audit.tokens import case_team

from .test_held_writer import NOW, SPECIALIST, opened

_TRANSACTION_BEGAN_WITH_THIS_QUERY = {
    "postgresql": "SELECT xact_start = query_start FROM pg_stat_activity WHERE pid = pg_backend_pid()",
}


def test_fetch_returns_the_rows_and_gives_the_connection_back(store_engine: Engine) -> None:
    assert fetch(store_engine, per_dialect("SELECT 1 + ?"), (41,)) == [(42,)]
    assert store_engine.pool.checkedout() == 0


def test_an_unassigned_case_has_no_team(store_engine: Engine) -> None:
    append(store_engine, "C-1", [opened()], expected_version=0, actor=SPECIALIST, now=NOW)
    assert case_team(store_engine, "C-1") is None
    assert case_team(store_engine, "C-unknown") is None


def test_a_postgres_point_read_is_one_statement_outside_any_open_transaction(store_engine: Engine) -> None:
    # Why it matters: BEGIN, SELECT and the pool's ROLLBACK were three round trips per API append.
    if store_engine.dialect.name != "postgresql":
        pytest.skip("SQLite's driver opens no transaction for a SELECT")
    sql = _TRANSACTION_BEGAN_WITH_THIS_QUERY
    assert fetch(store_engine, sql, ()) == [(True,)]  # no BEGIN sent before it: its transaction is its own
    with store_engine.connect() as conn:  # the pooled connection is back in transactional mode
        assert conn.connection.dbapi_connection.autocommit is False  # type: ignore[union-attr]


def test_a_postgres_read_that_fails_leaves_a_usable_pool(store_engine: Engine) -> None:
    if store_engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL only: the autocommit switch")
    with pytest.raises(Exception, match="nowhere"):
        fetch(store_engine, per_dialect("SELECT * FROM nowhere"), ())
    assert fetch(store_engine, per_dialect("SELECT 2"), ()) == [(2,)]
    assert store_engine.pool.checkedout() == 0

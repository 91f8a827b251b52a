"""Hot point reads on the driver's cursor: SQL text written once per dialect, no SQLAlchemy statement per call.

Why: a case trail or a case's team is one indexed SELECT, and SQLAlchemy's Connection.execute (compiling
and cache keys, result metadata, its transaction bookkeeping) cost more than the query itself on every API
request (bench/api.py). The pool, its reset on return and SQLAlchemy's error types stay as they were.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, Engine

from audit.database import DriverConnection, PooledDriver, translated


def per_dialect(sqlite: str) -> dict[str, str]:
    """A statement written with "?" placeholders, for SQLite and for psycopg ("%s"); no literal "?" or "%"."""
    return {"sqlite": sqlite, "postgresql": sqlite.replace("?", "%s")}


def fetch(target: Engine | Connection, sql: Mapping[str, str], params: Sequence[Any]) -> list[Any]:
    """The rows (tuples) of one statement: on a pooled connection of its own (Engine), or in the given
    Connection's transaction."""
    if isinstance(target, Engine):
        conn = PooledDriver(target)
        # PostgreSQL: one statement needs no transaction of its own. In autocommit psycopg sends the SELECT
        # alone, and the pool's reset on return finds nothing to roll back: one round trip, not three
        # (BEGIN, SELECT, ROLLBACK), on every API append (bench/api.py). The statement still reads one snapshot.
        single = conn.dialect.name == "postgresql"
        dbapi_connection = conn.connection.dbapi_connection
        if single:
            dbapi_connection.autocommit = True  # type: ignore[union-attr]
        try:
            return _run(conn, sql, params)
        finally:
            try:
                if single:
                    dbapi_connection.autocommit = False  # type: ignore[union-attr]
            except Exception:  # noqa: BLE001 - a connection that cannot be reset is not given back to the pool
                conn.invalidate()
            conn.connection.close()  # back to the pool, which ends a read's transaction (SQLite)
    return _run(target, sql, params)


def _run(conn: DriverConnection, sql: Mapping[str, str], params: Sequence[Any]) -> list[Any]:
    statement = sql.get(conn.dialect.name)
    if statement is None:
        raise RuntimeError(f"the event store runs on SQLite or PostgreSQL, not {conn.dialect.name}")
    cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.execute(statement, params)
        return list(cursor.fetchall())
    except conn.dialect.loaded_dbapi.Error as exc:
        raise translated(conn, exc, statement, params) from exc
    finally:
        cursor.close()

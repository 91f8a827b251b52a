"""Insert a batch of rows unless their key exists, learning which went in (INSERT ... ON CONFLICT DO NOTHING RETURNING).

On PostgreSQL the batch travels as one array per column (`SELECT * FROM unnest(...)`): one short statement
whatever the batch size. SQLAlchemy's multi-row VALUES instead renders and binds every value as a parameter
of its own, which made inserting a scan's alerts and deliveries cost ~100 µs per row of client CPU there
(bench/scan.py). SQLite keeps SQLAlchemy's statement: binding is cheap in-process.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import cache
from typing import Any

from sqlalchemy import Connection, Insert, Table
from sqlalchemy.dialects import postgresql, sqlite

from audit.append_sql import fetch_rows


def insert_new_rows(
    conn: Connection, table: Table, rows: Sequence[Mapping[str, Any]], *, key: Sequence[str], returning: Sequence[str]
) -> list[tuple[Any, ...]]:
    """Insert `rows` (each with every column of `table`) whose `key` is new; the `returning` columns of those."""
    if not rows:
        return []
    if conn.dialect.name == "postgresql":
        columns = tuple(table.c.keys())
        arrays = [[row[name] for row in rows] for name in columns]
        return [tuple(found) for found in fetch_rows(conn, _unnest_sql(table, tuple(key), tuple(returning)), arrays)]
    return [tuple(found) for found in conn.execute(_sqlite_statement(table, tuple(key), tuple(returning)), rows)]


@cache
def _sqlite_statement(table: Table, key: tuple[str, ...], returning: tuple[str, ...]) -> Insert:
    # Built once: SQLAlchemy sends a batch as one multi-row INSERT.
    statement = sqlite.insert(table).on_conflict_do_nothing(index_elements=list(key))
    return statement.returning(*(table.c[name] for name in returning))


@cache
def _unnest_sql(table: Table, key: tuple[str, ...], returning: tuple[str, ...]) -> str:
    # Built from the table's own column names and types only; every value is a bound array.
    dialect = postgresql.dialect()
    arrays = ", ".join(f"%s::{column.type.compile(dialect=dialect)}[]" for column in table.columns)
    return (
        f"INSERT INTO {table.name} ({', '.join(table.c.keys())}) SELECT * FROM unnest({arrays}) "  # noqa: S608
        f"ON CONFLICT ({', '.join(key)}) DO NOTHING RETURNING {', '.join(returning)}"
    )

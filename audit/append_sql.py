"""The append path's statements as cached SQL text, run on the driver's cursor inside SQLAlchemy's transaction.

Why not Connection.execute: SQLAlchemy's per-statement work (~25 µs each, five statements) was most of an
append's CPU (bench/append.py), more than validation and hashing together. The SQL is written once per
dialect here; the transaction, the pool and the error types stay SQLAlchemy's (audit.database.translated).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import astuple, dataclass
from typing import Any

from audit.database import DriverConnection, translated
from audit.reads import LogHead

# Every statement below is built from these fixed identifiers only (hence the S608 waivers); values are
# always bound parameters.
# The columns of audit.schema.events, in the order the rows are written.
EVENT_COLUMNS = (
    "position", "id", "case_id", "version", "type", "schema_version", "occurred_at", "recorded_at",
    "actor_id", "actor_role", "data", "idempotency_key", "salt", "prev_hash", "hash",
)
KEY_COLUMNS = ("case_id", "key", "request_hash", "first_position", "last_position")


@dataclass(frozen=True)
class AppendSQL:
    """The append path's statements in one dialect's parameter style (SQLite "?", psycopg "%s")."""

    lock_head: str
    write_head: str
    insert_events: str
    insert_key: str
    case_state: str  # (last version, case_opened time zone) of one case
    # lock_head's columns and case_state's in one statement; None on PostgreSQL, where a statement that
    # waited for the head lock still reads the snapshot taken before it waited.
    head_and_case: str | None
    # head_and_case without the time zone, for a case whose zone is already known (its case_opened is immutable)
    head_and_version: str | None
    case_states: str  # (case_id, last version, case_opened time zone) of each case id in a JSON array
    idempotency: str  # the idempotency_keys rows of each [case_id, key] pair in a JSON array
    owners: str  # (id, case_id) of each event id in a JSON array
    events_between: str  # the events rows (EVENT_COLUMNS) at positions first..last, in position order


def _insert(table: str, columns: Sequence[str]) -> str:
    return f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' for _ in columns)})"  # noqa: S608


def _dialect_sql(
    *, ids: str, pairs: str, pair_case: str, pair_key: str, zone: str, lock: str, one_statement: bool
) -> AppendSQL:
    """The statements, given how the dialect turns a JSON array parameter into rows `w(value)`.

    One JSON parameter for any number of cases, keys or ids: one statement text, prepared once, whatever
    the size of a group commit.
    """
    last_version = "(SELECT max(e.version) FROM events e WHERE e.case_id = ?)"
    case_columns = f"{last_version}, (SELECT {zone} FROM events e WHERE e.case_id = ? AND e.version = 1)"  # noqa: S608
    return AppendSQL(
        lock_head=f"SELECT position, hash, recorded_at FROM log_head WHERE id = 1{lock}",  # noqa: S608
        write_head="UPDATE log_head SET position = ?, hash = ?, recorded_at = ? WHERE id = 1",
        insert_events=_insert("events", EVENT_COLUMNS),
        insert_key=_insert("idempotency_keys", KEY_COLUMNS),
        # Two probes per case of the uq_events_case_version index: its last version and its case_opened zone.
        case_state=f"SELECT {case_columns}",  # one case, its id given twice
        head_and_case=(
            f"SELECT position, hash, recorded_at, {case_columns} FROM log_head WHERE id = 1"  # noqa: S608
            if one_statement else None
        ),
        head_and_version=(
            f"SELECT position, hash, recorded_at, {last_version} FROM log_head WHERE id = 1"  # noqa: S608
            if one_statement else None
        ),
        case_states=(
            "SELECT w.value, (SELECT max(e.version) FROM events e WHERE e.case_id = w.value), "  # noqa: S608
            f"(SELECT {zone} FROM events e WHERE e.case_id = w.value AND e.version = 1) "
            f"FROM {ids}"
        ),
        idempotency=(
            "SELECT k.case_id, k.key, k.request_hash, k.first_position, k.last_position "  # noqa: S608
            f"FROM {pairs} JOIN idempotency_keys k "
            f"ON k.case_id = {pair_case} AND k.key = {pair_key}"
        ),
        owners=f"SELECT e.id, e.case_id FROM {ids} JOIN events e ON e.id = w.value",  # noqa: S608
        events_between=(
            f"SELECT {', '.join(EVENT_COLUMNS)} FROM events WHERE position BETWEEN ? AND ? ORDER BY position"  # noqa: S608
        ),
    )


def _psycopg(sql: AppendSQL) -> AppendSQL:
    """The same statements with psycopg's placeholder (none of them contains a literal "?" or "%")."""
    return AppendSQL(*(value.replace("?", "%s") if isinstance(value, str) else value for value in astuple(sql)))


STATEMENTS = {
    "sqlite": _dialect_sql(
        ids="json_each(?) AS w",
        pairs="json_each(?) AS w",
        pair_case="json_extract(w.value, '$[0]')",
        pair_key="json_extract(w.value, '$[1]')",
        zone="json_extract(e.data, '$.timezone')",
        lock="",  # SQLite: BEGIN IMMEDIATE has already taken the write lock (audit.database)
        one_statement=True,
    ),
    "postgresql": _psycopg(_dialect_sql(
        ids="json_array_elements_text(?::json) AS w(value)",
        pairs="json_array_elements(?::json) AS w(value)",
        pair_case="w.value ->> 0",
        pair_key="w.value ->> 1",
        zone="e.data::json ->> 'timezone'",
        lock=" FOR UPDATE",
        one_statement=False,
    )),
}


def statements(conn: DriverConnection) -> AppendSQL:
    """The append statements for the connection's database (SQLite or PostgreSQL only)."""
    found = STATEMENTS.get(conn.dialect.name)
    if found is None:
        raise RuntimeError(f"the event store runs on SQLite or PostgreSQL, not {conn.dialect.name}")
    return found


def fetch_each(conn: DriverConnection, queries: Sequence[tuple[str, Sequence[Any]]]) -> list[list[Any]]:
    """Run queries in order on the driver's cursors: the rows (tuples) of each.

    On PostgreSQL they travel in one round trip (psycopg pipeline), with the transaction's BEGIN when it has
    not been sent yet; each statement still starts once the one before has finished (and taken its locks),
    so each reads a snapshot taken after them (READ COMMITTED).
    """
    driver: Any = conn.connection.dbapi_connection
    if conn.dialect.name == "sqlite":  # sqlite3's own cursor per statement, done with once its rows are read
        try:
            return [driver.execute(sql, params).fetchall() for sql, params in queries]
        except conn.dialect.loaded_dbapi.Error as exc:
            raise translated(conn, exc, "; ".join(sql for sql, _ in queries)) from exc
    cursors = [driver.cursor() for _ in queries]
    try:
        if len(queries) > 1 or _idle(driver):
            with driver.pipeline():
                for cursor, (sql, params) in zip(cursors, queries, strict=True):
                    cursor.execute(sql, params)
        else:
            cursors[0].execute(*queries[0])
        return [cursor.fetchall() for cursor in cursors]
    except conn.dialect.loaded_dbapi.Error as exc:
        raise translated(conn, exc, "; ".join(sql for sql, _ in queries)) from exc
    finally:
        for cursor in cursors:
            cursor.close()


def head_of(rows: Sequence[Any]) -> LogHead:
    """The log head from the rows of the lock_head statement."""
    ((position, digest, recorded_at),) = rows
    return LogHead(int(position), digest, recorded_at)


def fetch_rows(conn: DriverConnection, sql: str, params: Sequence[Any]) -> list[Any]:
    """The rows (tuples) of one query run on the driver's cursor."""
    return fetch_each(conn, [(sql, params)])[0]


def write_each(
    conn: DriverConnection, steps: Sequence[tuple[str, Sequence[Sequence[Any]]]], *, commit: bool = False
) -> None:
    """Run each (SQL, rows) as one executemany, in order, then COMMIT if asked.

    On PostgreSQL all of it travels in one round trip (psycopg pipeline): a statement that fails makes the
    server skip the rest, COMMIT included, so nothing is committed unless every statement succeeded.
    """
    driver: Any = conn.connection.dbapi_connection
    cursor = driver.cursor()
    try:
        if conn.dialect.name == "postgresql":
            with driver.pipeline():
                _run_steps(driver, cursor, steps, commit=commit)
        else:
            _run_steps(driver, cursor, steps, commit=commit)
    except conn.dialect.loaded_dbapi.Error as exc:
        statement = "; ".join([*(sql for sql, _ in steps), *(["COMMIT"] if commit else [])])
        raise translated(conn, exc, statement) from exc
    finally:
        cursor.close()


def _run_steps(driver: Any, cursor: Any, steps: Sequence[tuple[str, Sequence[Sequence[Any]]]], *, commit: bool) -> None:
    for sql, rows in steps:
        cursor.executemany(sql, rows)
    if commit:
        driver.commit()


def _idle(driver: Any) -> bool:
    """True when psycopg has not begun the transaction yet (its BEGIN would cost a round trip of its own)."""
    return bool(driver.info.transaction_status == _PQ_IDLE)


_PQ_IDLE = 0  # psycopg.pq.TransactionStatus.IDLE (an IntEnum), without importing psycopg for SQLite

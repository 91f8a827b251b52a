"""Engines and write transactions: SQLite (WAL, synchronous=FULL) and PostgreSQL (psycopg 3)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import URL, make_url

# Key in Connection.info read by the SQLite "begin" listener: the BEGIN mode of the next transaction.
SQLITE_BEGIN = "compliance_sqlite_begin"
DEFAULT_BUSY_TIMEOUT_MS = 30_000


def make_engine(url: str, *, busy_timeout_ms: int = DEFAULT_BUSY_TIMEOUT_MS, echo: bool = False) -> Engine:
    """An Engine for any SQLAlchemy URL; SQLite and PostgreSQL get the durability the log needs."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return _sqlite_engine(parsed, busy_timeout_ms=busy_timeout_ms, echo=echo)
    if parsed.get_backend_name() == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    # No pool_pre_ping: it would cost a round trip per append; a dropped connection is detected on use
    # and the pool invalidated by SQLAlchemy's disconnect handling.
    return create_engine(parsed, echo=echo)


def _sqlite_engine(url: URL, *, busy_timeout_ms: int, echo: bool) -> Engine:
    database = url.database or ""
    if database and database != ":memory:" and not database.startswith("file:"):
        Path(database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, echo=echo)
    event.listen(engine, "connect", _sqlite_pragmas(busy_timeout_ms, in_memory=database in ("", ":memory:")))
    event.listen(engine, "begin", _sqlite_begin)
    return engine


def _sqlite_pragmas(busy_timeout_ms: int, *, in_memory: bool) -> Any:
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy's "begin" event issue BEGIN itself (pysqlite's implicit BEGIN cannot take the
        # write lock up front), and make every acknowledged commit survive power loss (issue 2).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
        if not in_memory:
            cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = FULL")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.close()

    return on_connect


def _sqlite_begin(conn: Connection) -> None:
    # One-shot: write_transaction asks for IMMEDIATE for the transaction it opens, nothing after it.
    mode = conn.info.pop(SQLITE_BEGIN, "DEFERRED")
    conn.exec_driver_sql(f"BEGIN {mode}")


def is_sqlite(conn: Connection | Engine) -> bool:
    """True when the connection or engine talks to SQLite."""
    return conn.dialect.name == "sqlite"


@contextmanager
def connect(target: Engine | Connection) -> Iterator[Connection]:
    """A Connection for `target`: a new one from an Engine (closed afterwards), or the one given."""
    if isinstance(target, Engine):
        with target.connect() as conn:
            yield conn
    else:
        yield target


@contextmanager
def write_transaction(target: Engine | Connection) -> Iterator[Connection]:
    """A transaction that will write: on SQLite it takes the write lock at BEGIN (BEGIN IMMEDIATE).

    Taking the lock up front avoids SQLite's lock-upgrade deadlock, where two readers that both want to
    write fail at once instead of waiting. If `target` is a Connection already inside a transaction, that
    transaction is used and the caller commits it.
    """
    with connect(target) as conn:
        if conn.in_transaction():
            yield conn
            return
        if conn.dialect.name == "sqlite":
            conn.info[SQLITE_BEGIN] = "IMMEDIATE"
        try:
            with conn.begin():
                yield conn
        finally:
            conn.info.pop(SQLITE_BEGIN, None)

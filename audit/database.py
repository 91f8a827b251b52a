"""Engines and write transactions: SQLite (WAL, synchronous=FULL) and PostgreSQL (psycopg 3)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import DBAPIError

from audit.held_writer import give_back, take

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
    # Straight to the driver: this runs once per append, and the statement needs no compiling.
    mode = conn.info.pop(SQLITE_BEGIN, "DEFERRED")
    driver: Any = conn.connection.dbapi_connection
    if driver.in_transaction:  # begun by driver_transaction (BEGIN IMMEDIATE): SQLAlchemy joins it
        return
    _driver_execute(conn, driver, f"BEGIN {mode}")


def translated(conn: Connection | PooledDriver, exc: Exception, statement: str, params: Any = None) -> Exception:
    """A driver's error as SQLAlchemy raises it (IntegrityError, OperationalError ...), for `raise ... from exc`.

    A lost connection is invalidated, as SQLAlchemy's own execution path does, so the pool never reuses it.
    """
    lost = conn.dialect.is_disconnect(exc, conn.connection.dbapi_connection, None)
    if lost:
        conn.invalidate(exc)
    return DBAPIError.instance(
        statement, params, exc, conn.dialect.loaded_dbapi.Error, connection_invalidated=lost, dialect=conn.dialect
    )


def _driver_execute(conn: Connection | PooledDriver, driver: Any, statement: str) -> None:
    try:
        driver.execute(statement)
    except conn.dialect.loaded_dbapi.Error as exc:
        raise translated(conn, exc, statement) from exc


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


class PooledDriver:
    """A pooled driver connection, with what the append path uses of a Connection and nothing else.

    Its SQL runs on the driver's cursor anyway (audit.append_sql), so SQLAlchemy's Connection around it
    would only cost its construction and teardown, ~15 µs of an append (bench/append.py).
    """

    __slots__ = ("connection", "dialect")

    def __init__(self, engine: Engine) -> None:
        self.dialect = engine.dialect
        self.connection = engine.raw_connection()

    def invalidate(self, exception: BaseException | None = None) -> None:
        """Never give this connection back to the pool (it was lost, or its state is unknown)."""
        self.connection.invalidate(exception)


# What the append path's statements run on: a Connection, or a bare pooled driver connection.
DriverConnection = Connection | PooledDriver


def driver_transaction(
    target: Engine | Connection, *, full_connection: bool = False
) -> AbstractContextManager[DriverConnection]:
    """write_transaction for the append path: BEGIN and COMMIT go straight to the driver.

    The same locks (BEGIN IMMEDIATE on SQLite) and the same durable COMMIT, without SQLAlchemy's
    transaction bookkeeping. From an Engine it yields a PooledDriver (the engine's kept one, audit.held_writer),
    or with `full_connection` a Connection, for hooks that run their own statements (they join this
    transaction). Given a Connection, this is write_transaction: the caller's transaction, or one of SQLAlchemy's.
    """
    if isinstance(target, Engine) and not full_connection:
        return _AppendTransaction(target)
    return _connection_transaction(target)


class _AppendTransaction:
    """driver_transaction on a kept driver connection, as a plain class: it runs once per append, and two nested
    generator-based context managers cost more than BEGIN IMMEDIATE itself (bench/append.py, issue 2)."""

    __slots__ = ("_driver", "_engine", "_held")

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def __enter__(self) -> PooledDriver:
        driver, held = take(self._engine)
        if driver.dialect.name == "sqlite":
            try:
                _driver_execute(driver, driver.connection.dbapi_connection, "BEGIN IMMEDIATE")
            except BaseException:
                give_back(driver, held, failed=True)
                raise
        # PostgreSQL: psycopg sends BEGIN with the first statement (audit.append_sql pipelines the two).
        self._driver, self._held = driver, held
        return driver

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, trace: Any) -> None:
        driver, held = self._driver, self._held
        raw = driver.connection.dbapi_connection
        if kind is not None:
            try:
                _end_driver_transaction(driver, raw, commit=False)
            finally:
                give_back(driver, held, failed=True)
            return
        try:
            _end_driver_transaction(driver, raw, commit=True)
        except BaseException:
            give_back(driver, held, failed=True)
            raise
        give_back(driver, held, failed=False)


@contextmanager
def _connection_transaction(target: Engine | Connection) -> Iterator[DriverConnection]:
    """driver_transaction given a Connection, or an Engine with full_connection."""
    if not isinstance(target, Engine):
        with write_transaction(target) as conn:
            yield conn
        return
    with target.connect() as conn:  # closing it gives it back to the pool, which rolls back what is left
        yield from _driven(conn)


def _driven(conn: DriverConnection) -> Iterator[DriverConnection]:
    driver: Any = conn.connection.dbapi_connection
    if conn.dialect.name == "sqlite":
        _driver_execute(conn, driver, "BEGIN IMMEDIATE")
    # PostgreSQL: psycopg sends BEGIN with the first statement (audit.append_sql pipelines the two).
    try:
        yield conn
    except BaseException:
        _end_driver_transaction(conn, driver, commit=False)
        raise
    _end_driver_transaction(conn, driver, commit=True)


def _end_driver_transaction(conn: DriverConnection, driver: Any, *, commit: bool) -> None:
    if isinstance(conn, Connection) and conn.in_transaction():  # SQLAlchemy joined: it ends it
        conn.commit() if commit else conn.rollback()
        return
    if commit:
        try:
            driver.commit()
        except conn.dialect.loaded_dbapi.Error as exc:
            raise translated(conn, exc, "COMMIT") from exc
        return
    try:
        driver.rollback()
    except conn.dialect.loaded_dbapi.Error as exc:  # keep the original error; never reuse this connection
        conn.invalidate(exc)

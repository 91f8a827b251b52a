"""The ceilings of bench.api: bare FastAPI endpoints doing one raw durable insert, or one raw read, per request.

`uvicorn --factory bench.api_ceiling:create_ceiling_app` with BENCH_CEILING_URL set to a sqlite:/// or
postgresql:// URL. Writes go to a bare table that `prepare_ceiling` made; reads select a case's rows from
the service's own events table (the same indexed query the service runs), returned as JSON.

Same durability as the service: SQLite in WAL with synchronous=FULL, PostgreSQL with synchronous_commit=on;
one transaction (one commit) per request, on the raw driver (sqlite3 / psycopg), at most POOL_SIZE
connections. SQLite allows one writer at a time, so the transaction is serialised by a lock in the process
(otherwise the writers would sleep in SQLite's busy handler, and the ceiling would be that handler's
back-off, not the disk's).
"""

from __future__ import annotations

import json
import os
import queue
import sqlite3
import threading
from collections.abc import AsyncIterator, Iterator
from contextlib import AbstractContextManager, asynccontextmanager, contextmanager, nullcontext
from datetime import UTC, datetime
from typing import Any

from fastapi import FastAPI

URL_VARIABLE = "BENCH_CEILING_URL"
SQLITE_TABLE = ("CREATE TABLE IF NOT EXISTS raw_events (position INTEGER PRIMARY KEY, case_id TEXT NOT NULL, "
                "data TEXT NOT NULL, recorded_at TEXT NOT NULL)")
POSTGRES_TABLE = ("CREATE TABLE IF NOT EXISTS raw_events (position BIGSERIAL PRIMARY KEY, case_id TEXT NOT NULL, "
                  "data TEXT NOT NULL, recorded_at TEXT NOT NULL)")
# As many connections as SQLAlchemy's default pool lends the service at most (5 + 10 overflow).
POOL_SIZE = 15
SQLITE_PRAGMAS = ("PRAGMA busy_timeout = 30000", "PRAGMA journal_mode = WAL", "PRAGMA synchronous = FULL")


def is_postgres(url: str) -> bool:
    """True for a postgresql:// (or postgresql+psycopg://) URL."""
    return url.startswith("postgresql")


def connect(url: str) -> Any:
    """A raw driver connection with the service's durability: autocommit off only inside explicit BEGINs."""
    if is_postgres(url):
        import psycopg

        conn = psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"))
        conn.execute("SET synchronous_commit = on")
        conn.commit()
        return conn
    conn = sqlite3.connect(url.removeprefix("sqlite:///"), isolation_level=None, check_same_thread=False)
    for pragma in SQLITE_PRAGMAS:
        conn.execute(pragma)
    return conn


def prepare_ceiling(url: str) -> None:
    """Create the bare table the ceiling writes to."""
    conn = connect(url)
    try:
        conn.execute(POSTGRES_TABLE if is_postgres(url) else SQLITE_TABLE)
        conn.commit()
    finally:
        conn.close()


class RawStore:
    """One durable INSERT, or one read, per call, on a pooled raw connection (at most POOL_SIZE of them)."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.postgres = is_postgres(url)
        mark = "%s" if self.postgres else "?"
        self.insert = f"INSERT INTO raw_events (case_id, data, recorded_at) VALUES ({mark}, {mark}, {mark})"  # noqa: S608
        self.select = f"SELECT * FROM events WHERE case_id = {mark} ORDER BY version"  # noqa: S608
        self.slots = threading.BoundedSemaphore(POOL_SIZE)
        self.idle: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self.serial: AbstractContextManager[Any] = nullcontext() if self.postgres else threading.Lock()
        self.opened: list[Any] = []

    @contextmanager
    def _connection(self) -> Iterator[Any]:
        with self.slots:
            try:
                conn = self.idle.get_nowait()
            except queue.Empty:
                conn = connect(self.url)
                self.opened.append(conn)
            try:
                yield conn
            finally:
                self.idle.put(conn)

    def write(self, case_id: str, data: dict[str, Any]) -> None:
        """One transaction, one row, one durable commit."""
        row = (case_id, json.dumps(data), datetime.now(UTC).isoformat())
        with self._connection() as conn, self.serial:
            if self.postgres:
                conn.execute(self.insert, row)
                conn.commit()
                return
            conn.execute("BEGIN IMMEDIATE")
            conn.execute(self.insert, row)
            conn.execute("COMMIT")

    def read(self, case_id: str) -> list[dict[str, Any]]:
        """A case's events rows in version order, as plain dicts (payload decoded)."""
        with self._connection() as conn:
            cursor = conn.execute(self.select, (case_id,))
            names = [column[0] for column in cursor.description]
            rows = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
            if self.postgres:
                conn.rollback()  # end the read's transaction: no idle-in-transaction snapshot
        for row in rows:
            row["data"] = json.loads(row["data"])
        return rows

    def close(self) -> None:
        """Close every connection the worker threads opened."""
        for conn in self.opened:
            conn.close()


def create_ceiling_app() -> FastAPI:
    """The bare app: POST /raw/cases/{case_id}/events inserts the JSON body (201); GET returns the case's rows."""
    writer = RawStore(os.environ[URL_VARIABLE])

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        writer.close()

    app = FastAPI(lifespan=lifespan)

    @app.post("/raw/cases/{case_id}/events", status_code=201)
    def append_raw(case_id: str, body: dict[str, Any]) -> dict[str, str]:
        writer.write(case_id, body)
        return {"case_id": case_id}

    @app.get("/raw/cases/{case_id}/events")
    def read_raw(case_id: str) -> dict[str, Any]:
        return {"items": writer.read(case_id)}

    return app

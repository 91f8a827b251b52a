"""The append path's kept connection: reused between appends, replaced when lost, closed with its engine."""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, func, select

from audit.database import make_engine
from audit.held_writer import append_connection
from audit.reads import case_events, positions_recorded_in
from audit.schema import events
from audit.store import Actor, append

from .test_store_group_commit import NOW, opened, received

SPECIALIST = Actor("u-17", "specialist")


def dbapi_of(engine: Engine) -> Any:
    with append_connection(engine) as conn:
        return conn.connection.dbapi_connection


def test_consecutive_appends_reuse_one_connection(store_engine: Engine) -> None:
    append(store_engine, "C-1", [opened()], expected_version=0, actor=SPECIALIST, now=NOW)
    first = dbapi_of(store_engine)
    append(store_engine, "C-1", [received("A1")], expected_version=1, actor=SPECIALIST, now=NOW)
    assert dbapi_of(store_engine) is first
    assert store_engine.pool.checkedout() == 1  # the kept one; nothing else left checked out


def test_a_busy_kept_connection_sends_a_second_writer_to_the_pool(store_engine: Engine) -> None:
    append(store_engine, "C-1", [opened()], expected_version=0, actor=SPECIALIST, now=NOW)
    with append_connection(store_engine) as kept:
        # Another thread appends while this one holds the kept connection: it must not wait for it, nor share it.
        seen: list[Any] = []
        worker = threading.Thread(target=lambda: seen.append(dbapi_of(store_engine)))
        worker.start()
        worker.join(timeout=30)
        assert seen and seen[0] is not kept.connection.dbapi_connection


def test_a_failed_append_gives_its_connection_back_and_the_next_one_succeeds(store_engine: Engine) -> None:
    append(store_engine, "C-1", [opened()], expected_version=0, actor=SPECIALIST, now=NOW)
    before = dbapi_of(store_engine)
    with pytest.raises(Exception, match="version"):
        append(store_engine, "C-1", [received("A1")], expected_version=7, actor=SPECIALIST, now=NOW)
    assert store_engine.pool.checkedout() == 0  # released to the pool, whose reset ends any transaction left
    append(store_engine, "C-1", [received("A1")], expected_version=1, actor=SPECIALIST, now=NOW)
    assert [e.version for e in case_events(store_engine, "C-1")] == [1, 2]
    assert dbapi_of(store_engine) is not None and before is not None


def test_an_invalidated_connection_is_replaced(store_engine: Engine) -> None:
    append(store_engine, "C-1", [opened()], expected_version=0, actor=SPECIALIST, now=NOW)
    with append_connection(store_engine) as kept:
        lost = kept.connection.dbapi_connection
        kept.invalidate()
    append(store_engine, "C-1", [received("A1")], expected_version=1, actor=SPECIALIST, now=NOW)
    assert dbapi_of(store_engine) is not lost


def test_dispose_closes_the_kept_connection_and_the_engine_still_appends(store_url: str) -> None:
    engine = make_engine(store_url)
    try:
        append(engine, "C-1", [opened()], expected_version=0, actor=SPECIALIST, now=NOW)
        kept = dbapi_of(engine)
        engine.dispose()
        with pytest.raises(Exception, match="(?i)closed"):
            kept.cursor().execute("SELECT 1")
        append(engine, "C-1", [received("A1")], expected_version=1, actor=SPECIALIST, now=NOW)
        with engine.connect() as conn:
            assert conn.execute(select(func.count()).select_from(events)).scalar_one() == 2
    finally:
        engine.dispose()


def test_positions_recorded_in_finds_each_time_range_by_binary_search(store_engine: Engine) -> None:
    """The positions of the events recorded in [first, after), matching a scan of the log, for every boundary."""
    append(store_engine, "C-1", [opened()], expected_version=0, actor=SPECIALIST, now=NOW)
    for n in range(1, 12):  # two events per instant, so boundaries fall inside and between equal times
        at = NOW + timedelta(minutes=n // 2)
        append(store_engine, "C-1", [received(f"A{n}")], expected_version=n, actor=SPECIALIST, now=at)
    with store_engine.connect() as conn:
        stored = list(conn.execute(select(events.c.position, events.c.recorded_at).order_by(events.c.position)))
    texts = sorted({t for _, t in stored}) + ["0000", "9999"]
    for first in texts:
        for after in texts:
            wanted = [p for p, t in stored if first <= t < after]
            lo, hi = positions_recorded_in(store_engine, first, after)
            assert list(range(lo, hi + 1)) == wanted, (first, after)


def test_positions_recorded_in_an_empty_log_is_empty(store_engine: Engine) -> None:
    lo, hi = positions_recorded_in(store_engine, "0000", "9999")
    assert lo > hi


def test_a_begin_that_cannot_get_the_write_lock_gives_the_connection_back(store_url: str) -> None:
    # SQLite: another process's writer holds the lock past the busy timeout; the append fails at BEGIN IMMEDIATE,
    # and the kept connection is neither left in a transaction nor left taken.
    if not store_url.startswith("sqlite"):
        pytest.skip("SQLite: BEGIN IMMEDIATE takes the write lock up front")
    engine, other = make_engine(store_url, busy_timeout_ms=50), make_engine(store_url)
    try:
        append(engine, "C-1", [opened()], expected_version=0, actor=SPECIALIST, now=NOW)
        blocker = other.raw_connection()
        blocker.dbapi_connection.execute("BEGIN IMMEDIATE")  # type: ignore[union-attr]
        with pytest.raises(Exception, match="locked"):
            append(engine, "C-1", [received("A1")], expected_version=1, actor=SPECIALIST, now=NOW)
        assert engine.pool.checkedout() == 0
        blocker.dbapi_connection.rollback()  # type: ignore[union-attr]
        blocker.close()
        append(engine, "C-1", [received("A1")], expected_version=1, actor=SPECIALIST, now=NOW)
        assert [e.version for e in case_events(engine, "C-1")] == [1, 2]
    finally:
        engine.dispose()
        other.dispose()

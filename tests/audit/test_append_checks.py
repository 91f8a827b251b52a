"""The append's reads of the log: a case's time zone is read once per connection, and only when committed."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import Engine

from audit.append_checks import ZONES_KEY
from audit.held_writer import append_connection
from audit.store import Actor, append
from compliance.envelope import EventRejected

SPECIALIST = Actor("u-5", "specialist")
# 02:30 UTC on 10 July: still 9 July in Los Angeles, already 10 July in Tokyo.
NOW = datetime(2026, 7, 10, 2, 30, tzinfo=UTC)


def opened(zone: str) -> dict[str, Any]:
    return {"type": "case_opened", "occurred_at": "2026-07-01",
            "data": {"loan_id": "L-1", "borrower_ref": "B-1", "property_state": "CA", "timezone": zone}}


def note(on: str) -> dict[str, Any]:
    return {"type": "note_added", "occurred_at": on, "data": {"text": "called"}}


def _statements_of(engine: Engine, act: Any) -> list[str]:
    """The SQL the kept SQLite connection runs during act()."""
    with append_connection(engine) as conn:
        raw = conn.connection.dbapi_connection
    seen: list[str] = []
    raw.set_trace_callback(seen.append)  # type: ignore[union-attr]
    try:
        act()
    finally:
        raw.set_trace_callback(None)  # type: ignore[union-attr]
    return seen


def test_a_case_zone_is_read_once_per_connection(store_engine: Engine) -> None:
    if store_engine.dialect.name != "sqlite":
        pytest.skip("SQLite's single-append statement (PostgreSQL pipelines its reads)")
    append(store_engine, "Z-1", [opened("America/Los_Angeles")], expected_version=0, actor=SPECIALIST, now=NOW)
    first = _statements_of(store_engine, lambda: append(store_engine, "Z-1", [note("2026-07-09")],
                                                         expected_version=1, actor=SPECIALIST, now=NOW))
    then = _statements_of(store_engine, lambda: append(store_engine, "Z-1", [note("2026-07-09")],
                                                        expected_version=2, actor=SPECIALIST, now=NOW))
    assert any("timezone" in sql for sql in first) and not any("timezone" in sql for sql in then)
    with append_connection(store_engine) as conn:
        assert conn.connection.info[ZONES_KEY]["Z-1"] == "America/Los_Angeles"
    # The remembered zone still judges dates: 10 July is a future date in Los Angeles at 02:30 UTC.
    with pytest.raises(EventRejected, match="future"):
        append(store_engine, "Z-1", [note("2026-07-10")], expected_version=3, actor=SPECIALIST, now=NOW)


def test_a_zone_read_inside_a_callers_transaction_is_not_remembered(store_engine: Engine) -> None:
    # The caller's transaction opens the case in Tokyo and rolls back; the case is then opened in Los Angeles.
    # Had the uncommitted Tokyo zone been remembered, 10 July would pass as today instead of a future date.
    with store_engine.connect() as conn:
        transaction = conn.begin()
        append(conn, "Z-2", [opened("Asia/Tokyo")], expected_version=0, actor=SPECIALIST, now=NOW)
        append(conn, "Z-2", [note("2026-07-10")], expected_version=1, actor=SPECIALIST, now=NOW)
        transaction.rollback()
    append(store_engine, "Z-2", [opened("America/Los_Angeles")], expected_version=0, actor=SPECIALIST, now=NOW)
    with pytest.raises(EventRejected, match="future"):
        append(store_engine, "Z-2", [note("2026-07-10")], expected_version=1, actor=SPECIALIST, now=NOW)

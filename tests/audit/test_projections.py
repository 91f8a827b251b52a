"""Projections: maintained in each append's transaction; a rebuild from the log gives identical tables."""

from __future__ import annotations

import itertools
import tracemalloc
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, select

import audit.projections
from audit.append_sql import fetch_rows
from audit.database import PooledDriver, make_engine, write_transaction
from audit.migrate import upgrade
from audit.projection_schema import case_summary, clock_rows
from audit.projection_sql import EVENT_COLUMNS
from audit.projections import SeenEvents, rebuild
from audit.store import Actor, AppendPolicy, append
from tests.audit.monitoring_support import NOW, PROJECTING, open_case, record, record_leniently, snapshot, types_of
from tests.histories import ev, histories, namespaced, opened

COUNTER = itertools.count()
PROPERTY = settings(max_examples=60, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


@PROPERTY
@given(cases=st.lists(histories(max_events=10), min_size=1, max_size=3))
def test_incremental_updates_and_a_rebuild_give_identical_tables(
    store_engine: Engine, cases: list[list[dict[str, Any]]]
) -> None:
    example = next(COUNTER)
    for number, history in enumerate(cases):
        case_id = f"C{example}-{number}"
        record(store_engine, case_id, [opened()])
        record_leniently(store_engine, case_id, namespaced(history, f"x{example}.{number}."), policy=PROJECTING)
    incremental = snapshot(store_engine)
    report = rebuild(store_engine, calendar="us-6103a", page_size=2)
    assert snapshot(store_engine) == incremental
    assert report.cases == len(incremental[0])


def test_the_read_models_move_in_the_appends_transaction(store_engine: Engine) -> None:
    open_case(store_engine, "C-1", ev("application_received", "2026-07-02", application_id="A1"))
    with store_engine.connect() as conn:
        row = conn.execute(select(clock_rows).where(clock_rows.c.rule == "lm_ack_notice")).one()
        summary = conn.execute(select(case_summary)).one()
    assert (row.status, row.due, row.breach_at) == ("open", date(2026, 7, 9), "2026-07-10T04:00:00.000000Z")
    assert (summary.version, summary.open_application_id) == (2, "A1")
    # A refused append rolls the projection back with it: the caller's transaction fails as a whole.
    with pytest.raises(RuntimeError), write_transaction(store_engine) as conn:
        record(conn, "C-1", [ev("application_acknowledged", "2026-07-06", application_id="A1", complete=False)])
        raise RuntimeError("abort")
    with store_engine.connect() as conn:
        assert conn.execute(select(clock_rows.c.status).where(clock_rows.c.rule == "lm_ack_notice")).scalar() == "open"


def test_assignment_is_copied_to_every_clock_row(store_engine: Engine) -> None:
    open_case(store_engine, "C-1", ev("application_received", "2026-07-02", application_id="A1"),
              ev("case_assigned", "2026-07-03", team="T9", staff_id="s", manager_id="m9"))
    with store_engine.connect() as conn:
        assert set(conn.execute(select(clock_rows.c.team, clock_rows.c.manager_id))) == {("T9", "m9")}


def test_a_case_the_engine_cannot_compute_is_flagged_not_refused(
    store_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*_args: Any, **_kwargs: Any) -> Any:
        raise ArithmeticError("engine bug")

    monkeypatch.setattr(audit.projections, "project", broken)
    open_case(store_engine, "C-1", ev("application_received", "2026-07-02", application_id="A1"))
    assert types_of(store_engine, "C-1") == ["case_opened", "application_received"]  # the log took the fact
    with store_engine.connect() as conn:
        summary = conn.execute(select(case_summary)).one()
        assert conn.execute(select(clock_rows)).all() == []
    assert summary.projection_error == "ArithmeticError: engine bug"
    assert rebuild(store_engine, calendar="us-6103a").failed == 1


def test_appends_without_the_hook_leave_projections_to_a_rebuild(store_engine: Engine) -> None:
    record(store_engine, "C-1", [opened(), ev("application_received", "2026-07-02", application_id="A1")],
           policy=AppendPolicy())
    assert snapshot(store_engine) == ([], [])
    report = rebuild(store_engine, calendar="us-6103a")
    assert (report.cases, report.events, report.failed) == (1, 2, 0)
    assert len(snapshot(store_engine)[1]) == report.clocks > 0


def _log_of(url: str, cases: int) -> Engine:
    """A log of `cases` cases of 10 events each (one transaction, no projection hook: only the rebuild projects)."""
    engine = make_engine(url)
    upgrade(engine)
    actor = Actor("loader", "specialist")
    history = [opened(), ev("payment_missed", "2026-03-01", due_date="2026-03-01"),
               ev("application_received", "2026-06-01", application_id="A1"),
               ev("application_acknowledged", "2026-06-03", application_id="A1", complete=False),
               ev("case_assigned", "2026-06-04", team="T1", staff_id="s1", manager_id="m1"),
               *[ev("note_added", "2026-06-05", text=f"note {n}") for n in range(5)]]
    with write_transaction(engine) as conn:
        for number in range(cases):
            append(conn, f"C-{number:06d}", history, expected_version=0, actor=actor, now=NOW)
    return engine


def _peak_during_rebuild(engine: Engine) -> int:
    tracemalloc.start()
    try:
        report = rebuild(engine, calendar="us-6103a", page_size=100)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert report.failed == 0
    return peak


@pytest.mark.slow
def test_a_rebuild_runs_in_constant_memory(tmp_path: Any) -> None:
    small = _log_of(f"sqlite:///{tmp_path / 'small.db'}", 1_000)  # 10,000 events
    large = _log_of(f"sqlite:///{tmp_path / 'large.db'}", 5_000)  # 50,000 events
    _peak_during_rebuild(small)  # warm every cache (calendars, compiled statements) before measuring
    small_peak, large_peak = _peak_during_rebuild(small), _peak_during_rebuild(large)
    with large.connect() as conn:
        assert len(conn.execute(select(case_summary.c.case_id)).all()) == 5_000
    # Five times the log, the same working set: memory is bounded by one page of cases, not by the log.
    assert large_peak < small_peak * 1.25, (small_peak, large_peak)


def test_the_rebuild_command(monkeypatch: pytest.MonkeyPatch, store_url: str, store_engine: Engine) -> None:
    from typer.testing import CliRunner

    from api.cli import app

    record(store_engine, "C-1", [opened(), ev("application_received", "2026-07-02", application_id="A1")],
           policy=AppendPolicy())
    monkeypatch.setenv("COMPLIANCE_DATABASE_URL", store_url)
    result = CliRunner().invoke(app, ["projections", "rebuild", "--page-size", "1"])
    assert result.exit_code == 0, result.output
    assert "rebuilt 1 cases (2 events, 1 clocks, 0 failed)" in result.output
    assert len(snapshot(store_engine)[0]) == 1


def test_seen_events_are_keyed_by_chain_hash_and_zone(store_engine: Engine) -> None:
    # 02:30 UTC on 2 July is still 1 July in New York, already 2 July in Tokyo: one row, two legal dates (CONTRACT §1).
    record(store_engine, "Z-1", [opened()])
    record(store_engine, "Z-1", [{"type": "note_added", "occurred_at": "2026-07-02T02:30:00Z", "data": {"text": "x"}}])
    driver = PooledDriver(store_engine)
    try:
        sql = f"SELECT {', '.join(EVENT_COLUMNS)} FROM events WHERE case_id = 'Z-1' AND version = 2"  # noqa: S608
        (row,) = fetch_rows(driver, sql, ())
    finally:
        driver.connection.close()
    seen = SeenEvents()
    east = seen.case_event(row, ZoneInfo("America/New_York"))
    west = seen.case_event(row, ZoneInfo("America/Los_Angeles"))
    assert west.on == date(2026, 7, 1) and east.on == date(2026, 7, 1)  # 19:30 and 22:30 local on 1 July
    assert seen.case_event(row, ZoneInfo("Asia/Tokyo")).on == date(2026, 7, 2)
    assert seen.case_event(row, ZoneInfo("America/New_York")) is east  # built once per hash and zone

"""Helpers of the projection and scan tests: projecting appends, table snapshots, a fixed policy."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, select

from audit.alert_schema import alerts
from audit.errors import EventRejected, StoreError
from audit.projection_schema import case_summary, clock_rows
from audit.projections import Projector
from audit.reads import case_events
from audit.scans import MonitoringPolicy
from audit.store import Actor, AppendPolicy, AppendResult, append
from tests.histories import actor_role, opened

NOW = datetime(2026, 7, 10, 15, 0, tzinfo=UTC)
PROJECTING = AppendPolicy(on_appended=Projector(calendar="us-6103a"))
POLICY = MonitoringPolicy(append=PROJECTING, fallback_recipients=("desk",), escalation_recipients=("officer",))


def record(
    engine: Engine, case_id: str, events: Iterable[dict[str, Any]], *, now: datetime = NOW,
    policy: AppendPolicy = PROJECTING, role: str | None = None,
) -> AppendResult:
    """Append events to a case with the projection hook (as the specialist, system or manager they need)."""
    batch = list(events)
    who = role or actor_role(batch[0])
    return append(engine, case_id, batch, expected_version=None, actor=Actor(f"{who}-1", who), now=now, policy=policy)


def open_case(engine: Engine, case_id: str, *events: dict[str, Any], now: datetime = NOW, **profile: Any) -> None:
    """case_opened (dated 2026-01-01) and then `events`, one append each."""
    record(engine, case_id, [opened(**profile)], now=now)
    for event in events:
        record(engine, case_id, [event], now=now)


def record_leniently(engine: Engine, case_id: str, events: list[dict[str, Any]], *, policy: AppendPolicy) -> int:
    """Append events one chunk at a time, skipping those the store refuses; how many were stored."""
    stored = 0
    for event in events:
        try:
            record(engine, case_id, [event], policy=policy)
            stored += 1
        except (EventRejected, StoreError):
            continue
    return stored


def snapshot(engine: Engine) -> tuple[list[Any], list[Any]]:
    """Both projection tables, sorted: what incremental maintenance and a rebuild must agree on."""
    with engine.connect() as conn:
        summaries = [tuple(r) for r in conn.execute(select(case_summary).order_by(case_summary.c.case_id))]
        clocks = [tuple(r) for r in conn.execute(select(clock_rows).order_by(clock_rows.c.clock_id))]
    return summaries, clocks


def alert_rows(engine: Engine) -> list[Any]:
    """Every alert row, oldest first."""
    with engine.connect() as conn:
        return list(conn.execute(select(alerts).order_by(alerts.c.raised_at, alerts.c.alert_id)))


def types_of(engine: Engine, case_id: str) -> list[str]:
    """The event types of a case in version order."""
    return [e.type for e in case_events(engine, case_id)]

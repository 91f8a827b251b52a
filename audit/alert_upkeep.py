"""Alert life cycle after raising: escalate unacknowledged breaches, resolve alerts the projections settle."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import structlog
from sqlalchemy import Connection, Engine, Row, select

from audit.alert_schema import alerts
from audit.alerts import LIVE_STATES, AlertRecord, insert_new, mark_escalated, record_of, resolve
from audit.database import write_transaction
from audit.projection_schema import case_summary, clock_rows
from audit.reads import recorded_at_text
from audit.scans import MonitoringPolicy, OnRaised
from compliance.alerting import ClockState, alert_id, is_past, resolution

log = structlog.get_logger()
_a, _c, _s = alerts.c, clock_rows.c, case_summary.c


def escalate(
    engine: Engine, *, now: datetime, policy: MonitoringPolicy, on_raised: OnRaised | None = None
) -> list[AlertRecord]:
    """Breach alerts still unacknowledged after `escalate_after` raise one `escalated` alert each."""
    cutoff = recorded_at_text(now - policy.escalate_after)
    raised: list[AlertRecord] = []
    while True:
        with write_transaction(engine) as conn:
            stale = conn.execute(
                select(alerts).where(_a.state == "open", _a.level == "breached", _a.raised_at <= cutoff)
                .order_by(_a.raised_at, _a.alert_id).limit(policy.batch_size)
            ).all()
            if not stale:
                return raised
            batch = insert_new(conn, [_escalation(record_of(row), now=now, policy=policy) for row in stale])
            for row in stale:
                mark_escalated(conn, row.alert_id, now=now)
            if batch and on_raised is not None:
                on_raised(conn, batch)
        raised += batch


def _escalation(breach: AlertRecord, *, now: datetime, policy: MonitoringPolicy) -> AlertRecord:
    return AlertRecord(
        alert_id=alert_id(breach.clock_id, "escalated", breach.due), clock_id=breach.clock_id,
        case_id=breach.case_id, rule=breach.rule, level="escalated", lead_days=0, due=breach.due, raised_at=now,
        manager_id=breach.manager_id, team=breach.team, recipients=tuple(policy.escalation_recipients),
    )


def resolve_settled(engine: Engine, *, now: datetime, batch_size: int = 500) -> list[tuple[str, str]]:
    """Resolve live alerts whose clock was met (late), cancelled, moved, or whose case closed: (id, reason)."""
    settled: list[tuple[str, str]] = []
    after = ""
    while True:
        with write_transaction(engine) as conn:
            rows = _live_with_clock(conn, after=after, limit=batch_size)
            if not rows:
                return settled
            after = rows[-1].alert_id
            for row in rows:
                reason = resolution(row.level, row.due, _clock_state(row, now=now))
                if reason is not None and resolve(conn, row.alert_id, reason=reason, now=now):
                    settled.append((row.alert_id, reason))
                    log.info("alert_resolved", alert_id=row.alert_id, case_id=row.case_id, reason=reason)


def _live_with_clock(conn: Connection, *, after: str, limit: int) -> Sequence[Row[Any]]:
    return conn.execute(
        select(_a.alert_id, _a.case_id, _a.level, _a.due, _c.clock_id.label("row_clock"), _c.status, _c.met_by,
               _c.due.label("clock_due"), _c.timezone, _s.status.label("case_status"))
        .select_from(alerts.outerjoin(clock_rows, _c.clock_id == _a.clock_id)
                     .outerjoin(case_summary, _s.case_id == _a.case_id))
        .where(_a.state.in_(LIVE_STATES), _a.alert_id > after)
        .order_by(_a.alert_id).limit(limit)
    ).all()


def _clock_state(row: Row[Any], *, now: datetime) -> ClockState:
    if row.row_clock is None:
        return ClockState(exists=False, case_open=row.case_status != "closed")
    passed = row.clock_due is not None and is_past(row.clock_due, now, ZoneInfo(row.timezone))
    return ClockState(exists=True, status=row.status, met_by=row.met_by, due=row.clock_due,
                      case_open=row.case_status != "closed", passed=passed)

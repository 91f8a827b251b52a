"""The monitoring scans: state-based, so one run after a stop of any length raises everything that was missed.

A scan never asks "what happened since the last run": it compares the clock rows with `now`. A breach is
recorded for every deadline whose `breach_at` (the start of due + 1 in the case's zone) has come and which
the log does not yet hold as breached. Each breach is raised exactly once, whatever runs the scan:

- the alert's unique key (clock, level, due, lead) decides between racing processes (ON CONFLICT DO NOTHING);
- only the winner appends `deadline_breached` (system actor) through audit.store.append, in the SAME
  transaction as the alert row, so the log and the alerts agree; the append's projection hook then clears
  the row's `breach_at`, which takes it out of the next scan;
- on PostgreSQL a session advisory lock elects one leader per scan (the others skip), so work is not
  duplicated; every batch takes the log head first, the lock order of every writer, so nothing deadlocks.

A failing case is rolled back to its savepoint, logged and skipped; it never stops the scan.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from itertools import groupby
from typing import Any
from zoneinfo import ZoneInfo

import structlog
from sqlalchemy import Connection, Engine, Row, select, text, tuple_

from audit.alert_schema import alerts
from audit.alerts import AlertRecord, insert_new
from audit.append_rows import lock_head
from audit.database import write_transaction
from audit.projection_schema import clock_rows
from audit.reads import recorded_at_text
from audit.store import Actor, AppendPolicy, append
from compliance.alerting import DEFAULT_LEADS, alert_id, approaching_lead, is_past, local_today, recipients_for
from timelines.calendar import calendar_for

log = structlog.get_logger()
SYSTEM = Actor(id="system", role="system")
# Fixed 64-bit numbers: PostgreSQL advisory locks electing one process at a time per kind of scan.
BREACH_LEADER_LOCK = 0x636F6D706C6A
APPROACHING_LEADER_LOCK = 0x636F6D706C6B
OnRaised = Callable[[Connection, Sequence[AlertRecord]], None]
_c = clock_rows.c


@dataclass(frozen=True)
class MonitoringPolicy:
    """How the scans decide and route (built from settings by the edge)."""

    # Approaching reminders: business days before the due date (case's calendar policy); 0 is the due date.
    leads: tuple[int, ...] = DEFAULT_LEADS
    # An unacknowledged breach alert escalates to `escalation_recipients` after this long.
    escalate_after: timedelta = timedelta(hours=24)
    fallback_recipients: tuple[str, ...] = ("compliance-desk",)
    escalation_recipients: tuple[str, ...] = ("compliance-officer",)
    batch_size: int = 200
    # The store's policy for the deadline_breached appends; it must carry the projection hook.
    append: AppendPolicy = field(default_factory=AppendPolicy)

    def __post_init__(self) -> None:
        if not self.leads or min(self.leads) < 0:
            raise ValueError("approaching leads must be business-day counts >= 0")
        if self.batch_size < 1:
            raise ValueError("batch_size must be at least 1")


@dataclass(frozen=True)
class Candidate:
    """A clock row the breach scan found due for recording."""

    clock_id: str
    case_id: str
    rule: str
    due: date
    timezone: str
    team: str | None
    manager_id: str | None
    breach_at: str


@contextmanager
def leader(engine: Engine, *, key: int = BREACH_LEADER_LOCK) -> Iterator[bool]:
    """True when this process may scan now: on PostgreSQL it holds the advisory lock `key` for the block
    (released at the end, or by the server if the process dies); on SQLite, whose BEGIN IMMEDIATE already
    serialises writers, always True."""
    if engine.dialect.name != "postgresql":
        yield True
        return
    with engine.connect() as conn:
        held = bool(conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": key}).scalar())
        conn.commit()
        try:
            yield held
        finally:
            if held:
                conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": key})
                conn.commit()


def find_breaches(conn: Connection, *, now: datetime, limit: int, after: tuple[str, str] = ("", "")) -> list[Candidate]:
    """Clock rows whose breach is due at `now` and not yet recorded, in (breach_at, clock_id) order."""
    rows = conn.execute(
        select(_c.clock_id, _c.case_id, _c.rule, _c.due, _c.timezone, _c.team, _c.manager_id, _c.breach_at)
        .where(_c.breach_at.isnot(None), _c.breach_at <= recorded_at_text(now))
        .where(tuple_(_c.breach_at, _c.clock_id) > tuple_(*after))
        .order_by(_c.breach_at, _c.clock_id).limit(limit)
    ).all()
    return [Candidate(**row._mapping) for row in rows]


def scan_breaches(
    engine: Engine, *, now: datetime, policy: MonitoringPolicy, on_raised: OnRaised | None = None
) -> list[AlertRecord]:
    """Record every breach due at `now`: alert row + deadline_breached event, batch by batch."""
    raised: list[AlertRecord] = []
    after = ("", "")
    while True:
        with write_transaction(engine) as conn:
            lock_head(conn)
            found = find_breaches(conn, now=now, limit=policy.batch_size, after=after)
            if not found:
                return raised
            after = (found[-1].breach_at, found[-1].clock_id)
            batch = _raise_breaches(conn, found, now=now, policy=policy)
            if batch and on_raised is not None:
                on_raised(conn, batch)
        raised += batch


def _raise_breaches(
    conn: Connection, found: Sequence[Candidate], *, now: datetime, policy: MonitoringPolicy
) -> list[AlertRecord]:
    raised: list[AlertRecord] = []
    ordered = sorted(found, key=lambda c: c.case_id)
    for case_id, group in groupby(ordered, key=lambda c: c.case_id):
        due_now = [c for c in group if is_past(c.due, now, ZoneInfo(c.timezone))]
        try:
            with conn.begin_nested():
                raised += _raise_case_breaches(conn, due_now, now=now, policy=policy)
        except Exception as exc:  # noqa: BLE001 - one failing case is logged and skipped (issue 4)
            log.error("breach_scan_case_failed", case_id=case_id, error=type(exc).__name__)
    return raised


def _raise_case_breaches(
    conn: Connection, found: Sequence[Candidate], *, now: datetime, policy: MonitoringPolicy
) -> list[AlertRecord]:
    records = [_alert(c, level="breached", lead=0, now=now, policy=policy) for c in found]
    won = insert_new(conn, records)
    for record in won:
        # The trail shows when the service knew: occurred_at is now, recorded by the system actor.
        event = {"type": "deadline_breached", "occurred_at": now.astimezone(UTC).isoformat(),
                 "data": {"clock_id": record.clock_id, "rule": record.rule, "due": record.due.isoformat()}}
        append(conn, record.case_id, [event], expected_version=None, actor=SYSTEM, now=now,
               idempotency_key=f"breach:{record.clock_id}:{record.due.isoformat()}", policy=policy.append)
        log.info("breach_alert_raised", alert_id=record.alert_id, case_id=record.case_id, rule=record.rule,
                 due=record.due.isoformat())
    return won


def _alert(candidate: Any, *, level: str, lead: int, now: datetime, policy: MonitoringPolicy) -> AlertRecord:
    return AlertRecord(
        alert_id=alert_id(candidate.clock_id, level, candidate.due, lead), clock_id=candidate.clock_id,
        case_id=candidate.case_id, rule=candidate.rule, level=level, lead_days=lead, due=candidate.due,
        raised_at=now, manager_id=candidate.manager_id, team=candidate.team,
        recipients=recipients_for(candidate.manager_id, fallback=policy.fallback_recipients),
    )


def scan_approaching(
    engine: Engine, *, now: datetime, policy: MonitoringPolicy, on_raised: OnRaised | None = None
) -> list[AlertRecord]:
    """Raise the approaching reminders due today (the most imminent lead only, once per lead)."""
    with engine.connect() as conn:
        rows = _upcoming(conn, now=now, policy=policy)
    wanted = [_alert(r, level="approaching", lead=lead, now=now, policy=policy)
              for r in rows if (lead := _lead(r, now=now, policy=policy)) is not None]
    raised: list[AlertRecord] = []
    for start in range(0, len(wanted), policy.batch_size):
        with write_transaction(engine) as conn:
            batch = insert_new(conn, _not_yet_raised(conn, wanted[start:start + policy.batch_size]))
            if batch and on_raised is not None:
                on_raised(conn, batch)
        raised += batch
    return raised


def _upcoming(conn: Connection, *, now: datetime, policy: MonitoringPolicy) -> list[Row[Any]]:
    """Open deadlines with a breach still ahead, due from the earliest to the latest local today + the leads."""
    utc = now.astimezone(UTC)
    # Local dates run from UTC-12 to UTC+14; 2 calendar days per business day covers weekends and holidays.
    first = (utc - timedelta(hours=12)).date()
    last = (utc + timedelta(hours=14)).date() + timedelta(days=2 * max(policy.leads) + 4)
    return conn.execute(
        select(_c.clock_id, _c.case_id, _c.rule, _c.due, _c.timezone, _c.calendar, _c.team, _c.manager_id)
        .where(_c.status == "open", _c.due.between(first, last), _c.breach_at.isnot(None))
    ).all()


def _lead(row: Row[Any], *, now: datetime, policy: MonitoringPolicy) -> int | None:
    try:
        today = local_today(now, ZoneInfo(row.timezone))
        return approaching_lead(row.due, today, calendar_for(row.calendar), policy.leads)
    except Exception as exc:  # noqa: BLE001 - a row the calendar cannot judge is logged and skipped
        log.error("approaching_scan_row_failed", clock_id=row.clock_id, error=type(exc).__name__)
        return None


def _not_yet_raised(conn: Connection, wanted: Sequence[AlertRecord]) -> list[AlertRecord]:
    """Drop reminders already raised (a cheap read, so a steady-state scan writes nothing)."""
    if not wanted:
        return []
    ids = set(conn.scalars(select(alerts.c.alert_id).where(alerts.c.alert_id.in_([w.alert_id for w in wanted]))))
    return [w for w in wanted if w.alert_id not in ids]

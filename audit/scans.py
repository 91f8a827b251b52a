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
from sqlalchemy import Connection, Engine, Integer, Row, Select, String, bindparam, select, text, tuple_

from audit.alert_schema import alerts
from audit.alerts import AlertRecord, insert_new
from audit.append_batch import AppendBatch
from audit.append_rows import lock_head
from audit.database import write_transaction
from audit.projection_schema import clock_rows
from audit.reads import recorded_at_text
from audit.store import Actor, AppendPolicy, AppendRequest
from compliance.alerting import DEFAULT_LEADS, alert_id, approaching_lead, local_today, recipients_for
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
    # Breaches per transaction (Settings.scan_batch_size): each page holds the log head while it runs.
    batch_size: int = 1000
    # The store's policy for the deadline_breached appends; it must carry the projection hook.
    append: AppendPolicy = field(default_factory=AppendPolicy)

    def __post_init__(self) -> None:
        if not self.leads or min(self.leads) < 0:
            raise ValueError("approaching leads must be business-day counts >= 0")
        if self.batch_size < 1:
            raise ValueError("batch_size must be at least 1")


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


# Built once: a statement object is compiled and cache-keyed once, not on every page of every scan.
_BREACH_PAGE = (
    select(_c.clock_id, _c.case_id, _c.rule, _c.due, _c.timezone, _c.team, _c.manager_id, _c.breach_at)
    .where(_c.breach_at.isnot(None), _c.breach_at <= bindparam("now", type_=String))
    .where(tuple_(_c.breach_at, _c.clock_id) > tuple_(bindparam("after_at", type_=String),
                                                      bindparam("after_id", type_=String)))
    .order_by(_c.breach_at, _c.clock_id).limit(bindparam("page", type_=Integer))
)
_DUE, _ZONE = 3, 4  # positions of due and timezone in a _BREACH_PAGE row


def breach_query(now: datetime, *, limit: int, after: tuple[str, str] = ("", "")) -> Select[Any]:
    """One page of the breach scan (for EXPLAIN): due at `now`, keyset-paged on the partial index."""
    return _BREACH_PAGE.params(now=recorded_at_text(now), after_at=after[0], after_id=after[1], page=limit)


def find_breaches(conn: Connection, *, now: datetime, limit: int, after: tuple[str, str] = ("", "")) -> list[Row[Any]]:
    """Clock rows whose breach is due at `now` and not yet recorded, in (breach_at, clock_id) order.

    Each row has clock_id, case_id, rule, due, timezone, team, manager_id and breach_at.
    """
    params = {"now": recorded_at_text(now), "after_at": after[0], "after_id": after[1], "page": limit}
    # all() fetches the page in one driver call; iterating the result would fetch row by row.
    return conn.execute(_BREACH_PAGE, params).all()


def passed(found: Sequence[Row[Any]], *, now: datetime) -> list[Row[Any]]:
    """The rows whose due date has passed in their case's zone at `now` (the decision breach_at anticipates)."""
    today: dict[str, date] = {}
    out = []
    # Positional access: a Row's attribute lookup costs several times its index, and this loop sees every row.
    for row in found:
        zone, due = row[_ZONE], row[_DUE]
        local = today.get(zone)
        if local is None:
            local = today[zone] = local_today(now, ZoneInfo(zone))
        if local > due:
            out.append(row)
    return out


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
    conn: Connection, found: Sequence[Row[Any]], *, now: datetime, policy: MonitoringPolicy
) -> list[AlertRecord]:
    """Raise a page of breaches together; if anything fails, again case by case so one case cannot block."""
    due_now = passed(found, now=now)
    try:
        with conn.begin_nested():
            return _raise_together(conn, due_now, now=now, policy=policy)
    except Exception:  # noqa: BLE001 - retried below case by case, where the failing case is named
        log.warning("breach_batch_retried_by_case", size=len(due_now))
    raised: list[AlertRecord] = []
    for case_id, group in groupby(sorted(due_now, key=lambda c: c.case_id), key=lambda c: c.case_id):
        try:
            with conn.begin_nested():
                raised += _raise_together(conn, list(group), now=now, policy=policy)
        except Exception as exc:  # noqa: BLE001 - one failing case is logged and skipped (issue 4)
            log.error("breach_scan_case_failed", case_id=case_id, error=type(exc).__name__)
    return raised


def _raise_together(
    conn: Connection, found: Sequence[Row[Any]], *, now: datetime, policy: MonitoringPolicy
) -> list[AlertRecord]:
    """Insert the alerts; for each one this process won, append deadline_breached (same transaction)."""
    won = insert_new(conn, [_alert(c, level="breached", lead=0, now=now, policy=policy) for c in found])
    _append_breaches(conn, won, now=now, policy=policy.append)
    return won


def _append_breaches(conn: Connection, records: Sequence[AlertRecord], *, now: datetime, policy: AppendPolicy) -> None:
    """One deadline_breached per alert, by the system actor, in the caller's transaction.

    The trail shows when the service knew: occurred_at is now. The alert rows and these events commit
    together, so neither exists without the other. The requests go through the store's own write path in
    one AppendBatch, as a group commit does (audit.store.append is the same path for a single request):
    every request checked on its own, all events written in one statement, the projection hook called once.
    """
    if not records:
        return
    occurred_at = now.astimezone(UTC).isoformat()  # the same for the whole page: formatted once
    requests = [AppendRequest(r.case_id, (_breach_event(r, occurred_at=occurred_at),), None, SYSTEM, now)
                for r in records]
    batch = AppendBatch(conn, requests, policy=policy)
    for request in requests:
        batch.add(request)
    batch.write()


def _breach_event(record: AlertRecord, *, occurred_at: str) -> dict[str, Any]:
    data = {"clock_id": record.clock_id, "rule": record.rule, "due": record.due.isoformat()}
    return {"type": "deadline_breached", "occurred_at": occurred_at, "data": data}


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

"""Projections: case_summary and clock_rows kept in step with the log inside each append's transaction.

The store calls the Projector hook (AppendPolicy.on_appended) after writing a case's events, in the same
transaction, so a committed event and its read models are never out of step. Events the service records
about its own monitoring (deadline_breached, alert_acknowledged) trigger and satisfy no clock: they are
applied as a small row change instead of recomputing the case's clocks. Everything else recomputes the
case with the pure compliance.projection.project. `rebuild` truncates and replays the log case by case.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, fields
from datetime import date
from itertools import groupby
from operator import itemgetter
from typing import Any
from zoneinfo import ZoneInfo

import structlog
from sqlalchemy import Connection, Engine, delete, insert, select, text

from audit.append_rows import lock_head
from audit.append_sql import fetch_each, fetch_rows, write_each
from audit.database import DriverConnection, write_transaction
from audit.projection_schema import case_summary, clock_rows
from audit.projection_sql import EVENT_COLUMNS, dialect_of
from audit.reads import StoredEvent, recorded_at_text, stored_event, to_case_events
from audit.schema import events
from compliance.envelope import CaseEvent
from compliance.evaluation import Readings
from compliance.events import CaseOpened
from compliance.projection import MONITORING_TYPES, CaseFacts, ClockRow, project
from timelines.calendar import calendar_for

log = structlog.get_logger()
DEFAULT_READINGS = Readings()  # frozen: one instance serves as every default
DEFAULT_PAGE = 200  # cases per page of a rebuild: memory is bounded by one page, whatever the log's size
_e = events.c
_DATA_AT = EVENT_COLUMNS.index("data")
_POSITION_AT, _VERSION_AT, _RECORDED_AT, _HASH_AT = (EVENT_COLUMNS.index(name) for name in
                                                     ("position", "version", "recorded_at", "hash"))
if tuple(field.name for field in fields(StoredEvent)) != EVENT_COLUMNS:  # _stored builds one by position
    raise RuntimeError("StoredEvent's fields are no longer the events columns in order: fix audit.projections._stored")


class Projector:
    """The store's on_appended hook: brings the appended cases' read models up to date in the same transaction."""

    def __init__(self, *, calendar: str = "us-6103a", readings: Readings = DEFAULT_READINGS) -> None:
        calendar_for(calendar)  # fail fast on an unknown policy
        self.calendar = calendar
        self.readings = readings

    def __call__(self, conn: DriverConnection, case_ids: Sequence[str]) -> None:
        """Project the events of `case_ids` appended since their summaries were last written."""
        project_cases(conn, case_ids, calendar=self.calendar, readings=self.readings)


def project_cases(
    conn: DriverConnection, case_ids: Sequence[str], *, calendar: str, readings: Readings = DEFAULT_READINGS
) -> None:
    """Update the cases' summaries and clock rows from the log (in the caller's transaction).

    One read finds every case's events after its summary's last position (none when a case has no summary
    yet or its last projection failed: the store calls this only after appending, so none means recompute).
    Cases whose new events are all monitoring facts get their small row change; the others are recomputed
    together (write_cases).
    """
    dialect = dialect_of(conn)
    fresh: dict[str, list[StoredEvent]] = {case_id: [] for case_id in case_ids}
    for row in fetch_rows(conn, dialect.sql.fresh, (dialect.case_list(list(fresh)),)):
        fresh[row[2]].append(_stored(row))
    monitoring = [new for new in fresh.values() if new and all(e.type in MONITORING_TYPES for e in new)]
    apply_monitoring_events(conn, monitoring)
    recompute = [
        case_id for case_id, new in fresh.items() if not new or any(e.type not in MONITORING_TYPES for e in new)
    ]
    if recompute:
        write_cases(conn, recompute, calendar=calendar, readings=readings)


def project_case(conn: DriverConnection, case_id: str, *, calendar: str, readings: Readings = DEFAULT_READINGS) -> None:
    """project_cases for one case."""
    project_cases(conn, [case_id], calendar=calendar, readings=readings)


def apply_monitoring_events(conn: DriverConnection, per_case: Sequence[Sequence[StoredEvent]]) -> None:
    """The row change of monitoring facts: a recorded breach settles its clock row; each summary moves on."""
    dialect = dialect_of(conn)
    breaches = [
        (True, e.case_id, e.data["clock_id"], dialect.date(date.fromisoformat(e.data["due"])))
        for new in per_case for e in new if e.type == "deadline_breached"
    ]
    moves = [(new[-1].version, new[-1].position, new[-1].recorded_at, new[-1].case_id) for new in per_case]
    steps = [(dialect.sql.record_breach, breaches), (dialect.sql.move_summary, moves)]
    write_each(conn, [(sql, rows) for sql, rows in steps if rows])


def write_cases(
    conn: DriverConnection, case_ids: Sequence[str], *, calendar: str, readings: Readings = DEFAULT_READINGS
) -> None:
    """Recompute the cases from all their events and write what changed (a failing case is flagged, not fatal).

    One read of the cases' events and stored clock rows; then only the rows that differ are written. A
    contact or a note adds a few clock rows and leaves the others as they were: replacing every row of the
    case rewrote each one in six indexes (most of an append's database work on SQLite, bench/api.py).
    """
    dialect = dialect_of(conn)
    listed = dialect.case_list(case_ids)
    event_rows, stored_rows = fetch_each(
        conn, [(dialect.sql.case_events, (listed,)), (dialect.sql.case_clocks, (listed,))]
    )
    left = {row[0]: tuple(row) for row in stored_rows}  # what is stored and not (yet) computed again
    summaries, inserts, updates = [], [], []
    for _, rows in groupby(event_rows, key=itemgetter(2)):
        summary, clocks = _recomputed(list(rows), calendar=calendar, readings=readings)
        summaries.append(dialect.summary_row(summary))
        for clock in clocks:
            row = dialect.clock_row(clock)
            before = left.pop(row[0], None)
            if before is None:
                inserts.append(row)
            elif before != row:
                updates.append((*row[1:], row[0]))
    sql = dialect.sql
    steps = [(sql.delete_clock, [(clock_id,) for clock_id in left]), (sql.update_clock, updates),
             (sql.insert_clock, inserts), (sql.upsert_summary, summaries)]
    write_each(conn, [(statement, rows) for statement, rows in steps if rows])


def write_case(
    conn: DriverConnection, stored: Sequence[StoredEvent], *, calendar: str, readings: Readings = DEFAULT_READINGS
) -> None:
    """Bring one case's rows in line with all its events (write_cases for one case)."""
    write_cases(conn, [stored[0].case_id], calendar=calendar, readings=readings)


def _stored(row: Sequence[Any]) -> StoredEvent:
    """stored_event of an events row in EVENT_COLUMNS order, built by position (every event of every case of a
    group commit passes here: the mappings stored_event takes were a tenth of the projection, bench/api.py)."""
    data = row[_DATA_AT]
    return StoredEvent(*row[:_DATA_AT], json.loads(data) if isinstance(data, str) else dict(data), *row[_DATA_AT + 1 :])


def case_rows(
    stored: Sequence[StoredEvent], *, calendar: str, readings: Readings = DEFAULT_READINGS
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The summary row and clock rows of one case from its events in version order."""
    opened = stored[0]
    profile = CaseOpened.model_validate(opened.data)
    last = stored[-1]
    envelope = {"version": last.version, "last_position": max(e.position for e in stored),
                "updated_at": last.recorded_at}
    return _rows_of(opened.case_id, profile, envelope, lambda: to_case_events(stored, zone=ZoneInfo(profile.timezone)),
                    calendar=calendar, readings=readings)


def _recomputed(
    rows: Sequence[Sequence[Any]], *, calendar: str, readings: Readings
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """case_rows of one case's events rows (EVENT_COLUMNS order), each event's engine view taken from SEEN when
    it was built before (an append recomputes its whole case, and all but the new events are unchanged)."""
    opened = _stored(rows[0])
    profile = CaseOpened.model_validate(opened.data)
    last = rows[-1]
    envelope = {"version": last[_VERSION_AT], "last_position": max(row[_POSITION_AT] for row in rows),
                "updated_at": last[_RECORDED_AT]}
    zone = ZoneInfo(profile.timezone)
    return _rows_of(opened.case_id, profile, envelope, lambda: [SEEN.case_event(row, zone) for row in rows],
                    calendar=calendar, readings=readings)


def _rows_of(
    case_id: str, profile: CaseOpened, envelope: dict[str, Any], case_events: Callable[[], list[CaseEvent]], *,
    calendar: str, readings: Readings,
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    try:
        projection = project(case_id, profile, case_events(), calendar_for(calendar), readings=readings)
    except Exception as exc:  # noqa: BLE001 - one case the engine cannot compute must not block its appends
        log.error("projection_failed", case_id=case_id, error=type(exc).__name__)
        return {**_failed_summary(case_id, profile, calendar), **envelope,
                "projection_error": f"{type(exc).__name__}: {exc}"[:2000]}, []
    return {**summary_row(projection.summary), **envelope, "projection_error": None}, [
        clock_row_values(row) for row in projection.clocks
    ]


class SeenEvents:
    """The engine's view (CaseEvent) of events already seen, by chain hash and time zone; bounded.

    The chain hash commits to everything a CaseEvent is built from (id, version, type, occurred_at, schema_version
    and the payload, directly or through its salted field commitments), so equal hashes mean equal events, even
    across databases, and an event that was rolled back cannot stand in for another at its position. Saves the
    JSON parsing and payload validation of every earlier event of a case on each append (bench/api.py).
    """

    LIMIT = 1 << 14  # ~1.5 KB each: some 25 MB at most; emptied when full, like timelines.counting's memo

    def __init__(self) -> None:
        self._views: dict[tuple[str, str], CaseEvent] = {}

    def case_event(self, row: Sequence[Any], zone: ZoneInfo) -> CaseEvent:
        """The CaseEvent of an events row in EVENT_COLUMNS order, legal date in `zone`."""
        key = (row[_HASH_AT], zone.key)
        seen = self._views.get(key)
        if seen is None:
            (seen,) = to_case_events([_stored(row)], zone=zone)
            if len(self._views) >= self.LIMIT:
                self._views.clear()
            self._views[key] = seen
        return seen


SEEN = SeenEvents()


def summary_row(facts: CaseFacts) -> dict[str, Any]:
    """The case_summary columns the events decide."""
    return dict(vars(facts))  # a shallow copy: dataclasses.asdict deep-copies and was half a rebuild's time


def _failed_summary(case_id: str, profile: CaseOpened, calendar: str) -> dict[str, Any]:
    return summary_row(CaseFacts(
        case_id=case_id, status="open", closed_on=None, property_state=profile.property_state,
        timezone=profile.timezone, calendar=calendar, oldest_unpaid_due=None, unpaid_installments=0, team=None,
        staff_id=None, manager_id=None, sale_date=None, open_application_id=None,
    ))


def clock_row_values(row: ClockRow) -> dict[str, Any]:
    """A ClockRow as clock_rows column values (breach_at as fixed-width UTC text)."""
    values = dict(vars(row))
    values["breach_at"] = recorded_at_text(row.breach_at) if row.breach_at else None
    return values


@dataclass(frozen=True)
class RebuildReport:
    """What a rebuild replayed and wrote."""

    cases: int
    events: int
    clocks: int
    failed: int


def rebuild(
    engine: Engine | Connection, *, calendar: str, page_size: int = DEFAULT_PAGE, readings: Readings = DEFAULT_READINGS
) -> RebuildReport:
    """Truncate the projections and replay the whole log case by case, one page of cases in memory at a time.

    Runs in one transaction holding the log head, so no append interleaves and readers see the old tables
    until the new ones are complete.
    """
    totals = [0, 0, 0, 0]
    with write_transaction(engine) as conn:
        lock_head(conn)
        conn.execute(delete(clock_rows))
        conn.execute(delete(case_summary))
        for page in _case_pages(conn, page_size=page_size):
            summaries, clocks = [], []
            for stored in _cases_of(conn, page):
                summary, rows = case_rows(stored, calendar=calendar, readings=readings)
                summaries.append(summary)
                clocks.extend(rows)
                totals[1] += len(stored)
                totals[3] += summary["projection_error"] is not None
            conn.execute(insert(case_summary), summaries)
            if clocks:
                conn.execute(insert(clock_rows), clocks)
            totals[0] += len(summaries)
            totals[2] += len(clocks)
    _refresh_statistics(engine)
    return RebuildReport(*totals)


def _refresh_statistics(target: Engine | Connection) -> None:
    """PostgreSQL plans by table statistics; refilled tables get fresh ones now rather than at autovacuum."""
    if isinstance(target, Engine) and target.dialect.name == "postgresql":
        with target.connect() as conn:
            conn.execute(text("ANALYZE case_summary, clock_rows"))
            conn.commit()


def _case_pages(conn: Connection, *, page_size: int) -> Iterator[list[str]]:
    """Case ids in the order the cases were opened, a page at a time (keyset on position: constant memory)."""
    after = 0
    while True:
        page = conn.execute(
            select(_e.case_id, _e.position).where(_e.type == "case_opened", _e.position > after)
            .order_by(_e.position).limit(page_size)
        ).all()
        if not page:
            return
        after = page[-1].position
        yield [row.case_id for row in page]


def _cases_of(conn: Connection, case_ids: list[str]) -> Iterator[list[StoredEvent]]:
    """Each case's events in version order, for one page of cases (one query)."""
    result = conn.execute(select(events).where(_e.case_id.in_(case_ids)).order_by(_e.case_id, _e.version))
    for _, rows in groupby(result, key=lambda row: row.case_id):
        yield [stored_event(row) for row in rows]

"""Projections: case_summary and clock_rows kept in step with the log inside each append's transaction.

The store calls the Projector hook (AppendPolicy.on_appended) after writing a case's events, in the same
transaction, so a committed event and its read models are never out of step. Events the service records
about its own monitoring (deadline_breached, alert_acknowledged) trigger and satisfy no clock: they are
applied as a small row change instead of recomputing the case's clocks. Everything else recomputes the
case with the pure compliance.projection.project. `rebuild` truncates and replays the log case by case.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from itertools import groupby
from typing import Any
from zoneinfo import ZoneInfo

import structlog
from sqlalchemy import Connection, Engine, bindparam, case, delete, insert, select, text, update

from audit.append_rows import lock_head
from audit.database import write_transaction
from audit.projection_schema import case_summary, clock_rows
from audit.reads import StoredEvent, recorded_at_text, stored_event, to_case_events
from audit.schema import events
from compliance.events import CaseOpened
from compliance.projection import MONITORING_TYPES, CaseFacts, ClockRow, Projection, project
from timelines.calendar import calendar_for

log = structlog.get_logger()
DEFAULT_PAGE = 200  # cases per page of a rebuild: memory is bounded by one page, whatever the log's size
_s, _c, _e = case_summary.c, clock_rows.c, events.c


class Projector:
    """The store's on_appended hook: brings the appended cases' read models up to date in the same transaction."""

    def __init__(self, *, calendar: str = "us-6103a") -> None:
        calendar_for(calendar)  # fail fast on an unknown policy
        self.calendar = calendar

    def __call__(self, conn: Connection, case_ids: Sequence[str]) -> None:
        """Project the events of `case_ids` appended since their summaries were last written."""
        project_cases(conn, case_ids, calendar=self.calendar)


def project_cases(conn: Connection, case_ids: Sequence[str], *, calendar: str) -> None:
    """Update the cases' summaries and clock rows from the log (in the caller's transaction).

    One read finds every case's events after its summary's last position (none when a case has no summary
    yet or its last projection failed: the store calls this only after appending, so none means recompute).
    Cases whose new events are all monitoring facts get their small row change, in two statements for all;
    the others are recomputed one by one.
    """
    fresh: dict[str, list[StoredEvent]] = {case_id: [] for case_id in case_ids}
    for row in conn.execute(_FRESH, {"case_ids": list(fresh)}):
        fresh[row.case_id].append(stored_event(row))
    monitoring = [new for new in fresh.values() if new and all(e.type in MONITORING_TYPES for e in new)]
    apply_monitoring_events(conn, monitoring)
    for case_id, new in fresh.items():
        if not new or any(e.type not in MONITORING_TYPES for e in new):
            write_case(conn, _fetch(conn, _ALL, {"case_id": case_id}), calendar=calendar)


def project_case(conn: Connection, case_id: str, *, calendar: str) -> None:
    """project_cases for one case."""
    project_cases(conn, [case_id], calendar=calendar)


def apply_monitoring_events(conn: Connection, per_case: Sequence[Sequence[StoredEvent]]) -> None:
    """The row change of monitoring facts: a recorded breach settles its clock row; each summary moves on."""
    breaches = [
        {"k_case": e.case_id, "k_clock": e.data["clock_id"], "k_due": date.fromisoformat(e.data["due"])}
        for new in per_case for e in new if e.type == "deadline_breached"
    ]
    if breaches:
        conn.execute(_RECORD_BREACH, breaches)
    moves = [{"k_case": new[-1].case_id, "v_version": new[-1].version, "v_position": new[-1].position,
              "v_updated": new[-1].recorded_at} for new in per_case]
    if moves:
        conn.execute(_MOVE_SUMMARY, moves)


# Built once: a statement object is compiled and cache-keyed once, not on every append.
_ALL = select(events).where(_e.case_id == bindparam("case_id")).order_by(_e.version)
# The id list filters the summaries, which then drive the join into the events' (case_id, version) index:
# filtering the events by the list instead once made PostgreSQL compare every id with every summary row.
_FRESH = (
    select(events).join(case_summary, _s.case_id == _e.case_id)
    .where(_s.case_id.in_(bindparam("case_ids", expanding=True)), _e.position > _s.last_position,
           _s.projection_error.is_(None))
    .order_by(_e.case_id, _e.version)
)
_RECORD_BREACH = (
    update(clock_rows)
    .where(_c.case_id == bindparam("k_case"), _c.clock_id == bindparam("k_clock"), _c.due == bindparam("k_due"))
    .values(breach_recorded=True, breach_at=None, status=case((_c.status == "open", "breached"), else_=_c.status))
)
_MOVE_SUMMARY = update(case_summary).where(_s.case_id == bindparam("k_case")).values(
    version=bindparam("v_version"), last_position=bindparam("v_position"), updated_at=bindparam("v_updated")
)


def write_case(conn: Connection, stored: Sequence[StoredEvent], *, calendar: str) -> None:
    """Replace the case's rows with those computed from all its events (a failing case is flagged, not fatal)."""
    summary, clocks = case_rows(stored, calendar=calendar)
    case_id = stored[0].case_id
    conn.execute(delete(clock_rows).where(_c.case_id == case_id))
    conn.execute(delete(case_summary).where(_s.case_id == case_id))
    conn.execute(insert(case_summary), [summary])
    if clocks:
        conn.execute(insert(clock_rows), clocks)


def case_rows(stored: Sequence[StoredEvent], *, calendar: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The summary row and clock rows of one case from its events in version order."""
    opened = stored[0]
    profile = CaseOpened.model_validate(opened.data)
    last = stored[-1]
    envelope = {"version": last.version, "last_position": max(e.position for e in stored),
                "updated_at": last.recorded_at}
    try:
        projection = _project(stored, profile, calendar=calendar)
    except Exception as exc:  # noqa: BLE001 - one case the engine cannot compute must not block its appends
        log.error("projection_failed", case_id=opened.case_id, error=type(exc).__name__)
        return {**_failed_summary(opened.case_id, profile, calendar), **envelope,
                "projection_error": f"{type(exc).__name__}: {exc}"[:2000]}, []
    return {**summary_row(projection.summary), **envelope, "projection_error": None}, [
        clock_row_values(row) for row in projection.clocks
    ]


def _project(stored: Sequence[StoredEvent], profile: CaseOpened, *, calendar: str) -> Projection:
    case_events = to_case_events(stored, zone=ZoneInfo(profile.timezone))
    return project(stored[0].case_id, profile, case_events, calendar_for(calendar))


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


def rebuild(engine: Engine | Connection, *, calendar: str, page_size: int = DEFAULT_PAGE) -> RebuildReport:
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
                summary, rows = case_rows(stored, calendar=calendar)
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


def _fetch(conn: Connection, query: Any, params: dict[str, Any]) -> list[StoredEvent]:
    return [stored_event(row) for row in conn.execute(query, params)]



"""The reports' data: clock, case and application records read from the projection tables, or computed from
the log by the rule engine while the projections are absent or incomplete (`log_inputs`, the one fallback).

Contact checks are always computed from the log: their findings and flags (after a cease-communication
notice, during a bankruptcy) are not stored in clock_rows. Application stages are folded from the events of
the cases with an application open. A case the engine cannot compute is listed in `failed_cases`, never
dropped silently.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from itertools import groupby
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

import structlog
from sqlalchemy import Connection, Engine, Select, and_, func, inspect, or_, select

from audit.database import connect
from audit.projection_schema import case_summary, clock_rows
from audit.reads import StoredEvent, stored_event, to_case_events
from audit.reads import case_ids as all_case_ids
from audit.schema import events
from compliance.evaluation import Readings
from compliance.events import CaseOpened
from compliance.history import effective_history
from compliance.reports import (
    NAMES,
    ApplicationRecord,
    Assignment,
    CaseRecord,
    ClockRecord,
    Period,
    Report,
    Table,
    assignment_of,
    contact_report,
    improvements_report,
    pipeline_report,
    timeliness_report,
)
from compliance.reports.from_events import case_applications, case_inputs
from timelines.calendar import calendar_for

log = structlog.get_logger()
PAGE = 200  # cases read from the log per query: memory is bounded by one page
PROJECTIONS, LOG = "projections", "log"
_s, _c, _e = case_summary.c, clock_rows.c, events.c
KeepClock = Callable[[ClockRecord], bool]
T = TypeVar("T")


@dataclass(frozen=True)
class ReportQuery:
    """What a report is asked for: the period, the day it is judged on, an optional team and the calendar."""

    period: Period
    as_of: date
    team: str | None = None
    calendar: str = "us-6103a"
    readings: Readings = field(default_factory=Readings)  # how unclear provisions are read (rulebook §9)


@dataclass(frozen=True)
class Inputs:
    """Records for the reports and where they came from ("projections" or "log")."""

    source: str
    clocks: tuple[ClockRecord, ...] = ()
    cases: tuple[CaseRecord, ...] = ()
    applications: tuple[ApplicationRecord, ...] = ()
    failed_cases: tuple[str, ...] = ()


@dataclass(frozen=True)
class ReportResult:
    """A computed report with its provenance."""

    name: str
    report: Report
    source: str
    failed_cases: tuple[str, ...] = field(default=())

    def table(self) -> Table:
        """The report's flat table (CSV and console)."""
        return self.report.table()

    def to_json(self) -> dict[str, object]:
        """The report's JSON with `source` and `failed_cases` added."""
        return {**self.report.to_json(), "source": self.source, "failed_cases": list(self.failed_cases)}


def build_report(target: Engine | Connection, name: str, query: ReportQuery) -> ReportResult:
    """Compute the named report (one of compliance.reports.NAMES)."""
    if name not in NAMES:
        raise ValueError(f"unknown report {name!r}; known: {', '.join(NAMES)}")
    with connect(target) as conn:
        if name == "timeliness":
            found = deadline_inputs(conn, query, span=query.period)
            report: Report = timeliness_report(found.clocks, query.period, as_of=query.as_of)
        elif name == "improvements":
            found = deadline_inputs(conn, query, span=comparison_span(query.period))
            report = improvements_report(found.clocks, query.period, as_of=query.as_of)
        elif name == "contacts":
            found = contact_inputs(conn, query)
            report = contact_report(found.clocks, query.period, as_of=query.as_of)
        else:
            found = pipeline_inputs(conn, query)
            report = pipeline_report(found.applications, found.cases, found.clocks, as_of=query.as_of)
    return ReportResult(name, report, found.source, found.failed_cases)


def comparison_span(period: Period) -> Period:
    """The period and the one of equal length before it."""
    return Period(period.previous().start, period.end)


def projections_ready(conn: Connection) -> bool:
    """Whether the projection tables exist and summarise every case of the log."""
    if not inspect(conn).has_table(case_summary.name):
        return False
    cases = conn.execute(select(func.count()).where(_e.type == "case_opened")).scalar_one()
    return bool(cases == conn.execute(select(func.count()).select_from(case_summary)).scalar_one())


def deadline_inputs(conn: Connection, query: ReportQuery, *, span: Period) -> Inputs:
    """The deadlines due in `span` (of `query.team` when given)."""
    if not projections_ready(conn):
        return log_inputs(conn, query, keep=lambda r: r.kind == "deadline" and span.contains(r.due))
    due = _c.due.between(span.start, span.end)
    rows = conn.execute(_projected_clocks(query.team).where(_c.kind == "deadline", due))
    return Inputs(PROJECTIONS, clocks=tuple(projected_clock(row._mapping) for row in rows),
                  failed_cases=_failed(conn, query.team))


def contact_inputs(conn: Connection, query: ReportQuery) -> Inputs:
    """The contact checks of the contacts made in the period, computed from the log (flags and findings)."""
    # Legal dates are in the case's zone: a day's margin either side of the stored text; exact filter after.
    low, high = (query.period.start - timedelta(days=1)).isoformat(), (query.period.end + timedelta(days=2)).isoformat()
    wanted = or_(and_(_e.type == "contact_logged", _e.occurred_at >= low, _e.occurred_at < high),
                 _e.type == "entry_corrected")  # a correction may move a contact into the period
    ids = list(conn.scalars(select(_e.case_id).where(wanted).distinct().order_by(_e.case_id)))
    def in_period(record: ClockRecord) -> bool:
        return record.kind == "check" and query.period.contains(record.trigger_on)

    found = log_inputs(conn, query, case_ids=ids, keep=in_period)
    return replace(found, cases=(), applications=())


def pipeline_inputs(conn: Connection, query: ReportQuery) -> Inputs:
    """Open cases, the bars on them, and the applications in the pipeline on `query.as_of`."""
    def is_bar(record: ClockRecord) -> bool:
        return record.kind == "bar"

    if not projections_ready(conn):
        return log_inputs(conn, query, keep=is_bar)
    team = [_s.team == query.team] if query.team is not None else []
    cases = conn.execute(select(case_summary).where(_s.status == "open", *team).order_by(_s.case_id))
    bars = conn.execute(_projected_clocks(query.team).where(_c.kind == "bar", _c.status == "open"))
    applied = select(_e.case_id).where(_e.type == "application_received")
    pending = conn.scalars(select(_s.case_id).where(_s.status == "open", _s.case_id.in_(applied), *team)
                           .order_by(_s.case_id))
    applications, failed = log_applications(conn, query, list(pending))
    return Inputs(
        PROJECTIONS, clocks=tuple(projected_clock(row._mapping) for row in bars),
        cases=tuple(projected_case(row._mapping) for row in cases), applications=applications,
        failed_cases=tuple(sorted({*_failed(conn, query.team), *failed})),
    )


def log_inputs(
    conn: Connection, query: ReportQuery, *, keep: KeepClock, case_ids: Sequence[str] | None = None
) -> Inputs:
    """Report inputs computed by the rule engine from the log, case by case (all cases unless `case_ids`)."""
    clocks: list[ClockRecord] = []
    cases: list[CaseRecord] = []
    applications: list[ApplicationRecord] = []
    computed, failed = computed_cases(conn, query, case_inputs, case_ids=case_ids)
    for found in computed:
        if query.team is None or found.case.team == query.team:
            clocks += [c for c in found.clocks if keep(c)]
            cases.append(found.case)
            applications += found.applications
    return Inputs(LOG, tuple(clocks), tuple(cases), tuple(applications), failed)


def log_applications(
    conn: Connection, query: ReportQuery, case_ids: Sequence[str]
) -> tuple[tuple[ApplicationRecord, ...], tuple[str, ...]]:
    """The applications in the pipeline of the given cases, folded from their events (no clocks computed)."""
    computed, failed = computed_cases(conn, query, case_applications, case_ids=case_ids)
    found = (a for apps in computed for a in apps if query.team is None or a.team == query.team)
    return tuple(found), failed


def computed_cases(
    conn: Connection, query: ReportQuery, compute: Callable[..., T], *, case_ids: Sequence[str] | None
) -> tuple[list[T], tuple[str, ...]]:
    """compute(case_id, profile, events, calendar, as_of=..., readings=...) for each case; the failed ones, apart."""
    calendar = calendar_for(query.calendar)
    out: list[T] = []
    failed: list[str] = []
    for case_id, stored in case_events_paged(conn, case_ids):
        try:
            case_events = to_case_events(stored)
            profile = case_events[0].data
            if not isinstance(profile, CaseOpened):
                raise ValueError("the case does not start with case_opened")
            out.append(compute(case_id, profile, case_events[1:], calendar, as_of=query.as_of, readings=query.readings))
        except Exception as exc:  # noqa: BLE001 - one case the engine cannot compute must not sink the report
            log.error("report_case_failed", case_id=case_id, error=type(exc).__name__)
            failed.append(case_id)
    return out, tuple(failed)


def case_events_paged(conn: Connection, wanted: Sequence[str] | None = None) -> Iterator[tuple[str, list[StoredEvent]]]:
    """(case id, its stored events in version order) for every case (or those wanted), a page at a time."""
    ids = list(wanted) if wanted is not None else all_case_ids(conn)
    for first in range(0, len(ids), PAGE):
        page = ids[first:first + PAGE]
        rows = conn.execute(select(events).where(_e.case_id.in_(page)).order_by(_e.case_id, _e.version))
        for case_id, group in groupby(rows, key=lambda row: row.case_id):
            yield case_id, [stored_event(row) for row in group]


def case_assignments(target: Engine | Connection, wanted: Iterable[str] | None = None) -> dict[str, Assignment]:
    """Who works each case (latest case_assigned): from case_summary when ready, else from the log."""
    with connect(target) as conn:
        ids = list(wanted) if wanted is not None else None
        if projections_ready(conn):
            query = select(_s.case_id, _s.team, _s.staff_id, _s.manager_id)
            if ids is not None:
                query = query.where(_s.case_id.in_(ids))
            return {r.case_id: Assignment(r.team, r.staff_id, r.manager_id) for r in conn.execute(query)}
        out = {}
        for case_id, stored in case_events_paged(conn, ids):
            zone = ZoneInfo(str(stored[0].data.get("timezone") or "America/New_York"))
            out[case_id] = assignment_of(effective_history(to_case_events(stored, zone=zone)[1:], zone))
        return out


def _projected_clocks(team: str | None) -> Select[Any]:
    query = (select(clock_rows, _s.team.label("case_team"), _s.staff_id, _s.manager_id.label("case_manager"))
             .select_from(clock_rows.join(case_summary, _s.case_id == _c.case_id)))
    return query.where(_s.team == team) if team is not None else query


def projected_clock(row: Any) -> ClockRecord:
    """A clock_rows row (joined with its case summary) as a ClockRecord."""
    return ClockRecord(
        case_id=row["case_id"], clock_id=row["clock_id"], rule=row["rule"], kind=row["kind"], status=row["status"],
        trigger_on=row["trigger_on"], calendar=row["calendar"], due=row["due"], closes=row["closes"],
        not_before=row["not_before"], met_by=row["met_by"], met_on=row["met_on"], team=row["case_team"],
        staff_id=row["staff_id"], manager_id=row["case_manager"], trigger_event_id=row["trigger_event_id"],
    )


def projected_case(row: Any) -> CaseRecord:
    """A case_summary row as a CaseRecord."""
    return CaseRecord(row["case_id"], row["status"], row["team"], row["staff_id"], row["manager_id"], row["sale_date"])


def _failed(conn: Connection, team: str | None) -> tuple[str, ...]:
    query = select(_s.case_id).where(_s.projection_error.is_not(None))
    if team is not None:
        query = query.where(_s.team == team)
    return tuple(conn.scalars(query.order_by(_s.case_id)))

"""Read-model rows of one case, derived purely from its events: a case summary and one row per clock.

Clock status changes with time alone (a deadline passes at the end of its due date), so a row stores only
what the events decide, and readers evaluate the date-driven part at `now` (see `effective_status`). The
clocks are computed at a far HORIZON, when every recorded event is known and every date has passed; the
outcomes fixed by events (met, met late, violated, cancelled, not applicable) are kept, and the outcomes that
only the passing of a date produced are stored as "open" with their date (docs/monitoring.md):

- deadline: "breached" without a satisfying event (met_by is None) -> "open"; it is breached once `due` passes;
- window:   "met" without an answer -> "open"; the borrower's period is over once `closes` passes;
- bar:      "met" with a `not_before` -> "open"; the step is permitted from `not_before`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from compliance.alerting import local_today, passes_at
from compliance.applications import applications
from compliance.clock import Clock
from compliance.delinquency import unpaid_installments
from compliance.engine import compute_clocks
from compliance.envelope import CaseEvent
from compliance.evaluation import Readings
from compliance.events import CaseOpened
from compliance.history import History, effective_history
from compliance.sale import sale_date_on
from timelines.calendar import BusinessCalendar
from timelines.span import LAST_YEAR

# Far enough that every event is known and every clock date has passed, with a year of calendar to spare.
HORIZON = date(LAST_YEAR - 1, 12, 31)
# Events the service records about its own monitoring: they trigger and satisfy no clock.
MONITORING_TYPES = frozenset({"deadline_breached", "alert_acknowledged"})
# An application's life is over once one of these happens (an appeal re-opens a denied one).
APPLICATION_ENDS = frozenset({"offer_accepted", "offer_rejected", "option_started", "option_completed",
                              "option_failed", "appeal_decided"})


@dataclass(frozen=True)
class CaseFacts:
    """The case summary as the events decide it (the log envelope adds version, position and times)."""

    case_id: str
    status: str  # open | closed
    closed_on: date | None
    property_state: str
    timezone: str
    calendar: str
    oldest_unpaid_due: date | None
    unpaid_installments: int
    team: str | None
    staff_id: str | None
    manager_id: str | None
    sale_date: date | None
    open_application_id: str | None


@dataclass(frozen=True)
class ClockRow:
    """One clock as stored: dates and event-decided facts; `breach_at` is when the scan must record a breach."""

    clock_id: str
    case_id: str
    rule: str
    kind: str
    trigger_event_id: str
    trigger_type: str
    trigger_on: date
    due: date | None
    closes: date | None
    not_before: date | None
    status: str
    met_by: str | None
    met_on: date | None
    calendar: str
    timezone: str
    team: str | None
    manager_id: str | None
    breach_recorded: bool
    breach_at: datetime | None  # UTC; None when no breach is left to record


@dataclass(frozen=True)
class Projection:
    """Everything the read models hold for one case."""

    summary: CaseFacts
    clocks: tuple[ClockRow, ...]


def project(
    case_id: str, profile: CaseOpened, events: Sequence[CaseEvent], calendar: BusinessCalendar,
    *, horizon: date = HORIZON, readings: Readings | None = None,
) -> Projection:
    """The summary and clock rows of a case from all its events (the same events always give the same rows)."""
    history = effective_history(events, ZoneInfo(profile.timezone))
    summary = case_facts(case_id, profile, history, calendar.name, horizon=horizon)
    recorded = recorded_breaches(events)
    clocks = compute_clocks(case_id, profile, events, calendar, horizon, readings=readings)
    ids = [c.id for c in clocks]
    if len(ids) != len(set(ids)):
        raise ValueError(f"the rule engine returned duplicate clock ids for case {case_id}")
    return Projection(summary, tuple(clock_row(c, summary, recorded=recorded) for c in clocks))


def case_facts(case_id: str, profile: CaseOpened, history: History, calendar: str, *, horizon: date) -> CaseFacts:
    """Status, delinquency, assignment, sale date and open application from the effective history."""
    closing = history.of_type("case_closed")
    unpaid = unpaid_installments(history, horizon)
    assigned = [e for e in history.chronological if e.type == "case_assigned"]
    latest = assigned[-1].data if assigned else None
    return CaseFacts(
        case_id=case_id, status="closed" if closing else "open",
        closed_on=closing[-1].on if closing else None,  # the latest case_closed, as compliance.closure reads it
        property_state=profile.property_state, timezone=profile.timezone, calendar=calendar,
        oldest_unpaid_due=unpaid[0] if unpaid else None, unpaid_installments=len(unpaid),
        team=getattr(latest, "team", None), staff_id=getattr(latest, "staff_id", None),
        manager_id=getattr(latest, "manager_id", None), sale_date=sale_date_on(history, horizon),
        open_application_id=None if closing else open_application(history),
    )


def open_application(history: History) -> str | None:
    """The most recently received application whose life has not ended (an appeal re-opens a denial)."""
    current = None
    for life in sorted(applications(history), key=lambda a: a.opened_on):
        ongoing = True
        for event in life.events:
            if event.type in APPLICATION_ENDS:
                ongoing = False
            elif event.type == "evaluation_decided" and getattr(event.data, "outcome", None) == "denial":
                ongoing = False
            elif event.type in ("appeal_received", "application_received"):
                ongoing = True
        current = life.application_id if ongoing else current
    return current


def recorded_breaches(events: Sequence[CaseEvent]) -> frozenset[tuple[str, date]]:
    """(clock id, due) of every deadline_breached the log holds: the breaches the service already recorded."""
    return frozenset(
        (e.data.clock_id, e.data.due)  # type: ignore[attr-defined]
        for e in events
        if e.type == "deadline_breached"
    )


def settled_status(clock: Clock) -> str:
    """The status the events alone decide; date-driven outcomes are left "open" (module docstring)."""
    if clock.kind == "deadline" and clock.status == "breached" and clock.met_by is None:
        return "open"
    if clock.kind == "window" and clock.status == "met" and clock.met_by is None and clock.closes is not None:
        return "open"
    if clock.kind == "bar" and clock.status == "met" and clock.not_before is not None:
        return "open"
    return clock.status


def stopped_by_closing(clock: Clock, status: str, closed_on: date | None) -> bool:
    """A borrower window or foreclosure bar still running when the case closed: closing stops it.

    (compliance.closure cancels the clocks running on the day it judges; a window or bar whose date passes
    after the close reads as cancelled until that date and as met after it. Stored rows say cancelled.)
    """
    day = clock.closes if clock.kind == "window" else clock.not_before
    if closed_on is None or clock.kind not in ("window", "bar") or status != "open" or day is None:
        return False
    return clock.trigger.on <= closed_on and (day > closed_on if clock.kind == "bar" else day >= closed_on)


def clock_row(clock: Clock, summary: CaseFacts, *, recorded: frozenset[tuple[str, date]]) -> ClockRow:
    """The stored row of one clock of the case."""
    status = settled_status(clock)
    if stopped_by_closing(clock, status, summary.closed_on):
        status = "cancelled"
    was_recorded = clock.due is not None and (clock.id, clock.due) in recorded
    if was_recorded and status == "open":
        status = "breached"  # the log says the service saw this deadline pass unmet
    return ClockRow(
        clock_id=clock.id, case_id=summary.case_id, rule=clock.rule, kind=clock.kind,
        trigger_event_id=clock.trigger.event_id, trigger_type=clock.trigger.type, trigger_on=clock.trigger.on,
        due=clock.due, closes=clock.closes, not_before=clock.not_before, status=status, met_by=clock.met_by,
        met_on=clock.met_on, calendar=clock.calendar, timezone=summary.timezone, team=summary.team,
        manager_id=summary.manager_id, breach_recorded=was_recorded,
        breach_at=_breach_at(clock, status, summary, recorded=was_recorded),
    )


def _breach_at(clock: Clock, status: str, summary: CaseFacts, *, recorded: bool) -> datetime | None:
    """When the scan must record this deadline's breach; None when there is nothing (more) to record."""
    if clock.kind != "deadline" or clock.due is None or recorded:
        return None
    unmet = status == "open"
    met_late = status == "breached" and clock.met_by is not None
    # A case closed on or before the due date can no longer breach it; one closed later already had.
    if not (unmet or met_late) or (summary.closed_on is not None and summary.closed_on <= clock.due):
        return None
    return passes_at(clock.due, ZoneInfo(summary.timezone))


def effective_status(row: ClockRow, now: datetime) -> str:
    """The CONTRACT §6 status of a stored clock at `now` (the dates evaluated in the case's time zone)."""
    if row.status != "open":
        return row.status
    today = local_today(now, ZoneInfo(row.timezone))
    if row.kind == "deadline" and row.due is not None and today > row.due:
        return "breached"
    if row.kind == "window" and row.closes is not None and today > row.closes:
        return "met"
    if row.kind == "bar" and row.not_before is not None and today >= row.not_before:
        return "met"
    return "open"

"""Every report input of one case computed from its events by the rule engine (the log-based path)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from compliance.engine import compute_clocks, evaluate
from compliance.envelope import CaseEvent
from compliance.evaluation import Readings
from compliance.events import CaseOpened
from compliance.history import History
from compliance.reports.records import (
    ApplicationRecord,
    Assignment,
    CaseRecord,
    ClockRecord,
    assignment_of,
    clock_record,
)
from compliance.reports.stages import application_records
from compliance.sale import sale_date_on
from timelines.calendar import BusinessCalendar


@dataclass(frozen=True)
class CaseInputs:
    """One case as the reports see it on `as_of`: its record, its clocks and its applications in the pipeline."""

    case: CaseRecord
    clocks: tuple[ClockRecord, ...]
    applications: tuple[ApplicationRecord, ...]


def case_record(case_id: str, history: History, assignment: Assignment, *, as_of: date) -> CaseRecord:
    """Open or closed on `as_of`, who works it, and the sale date then in force."""
    closed = any(e.on <= as_of for e in history.of_type("case_closed"))
    return CaseRecord(case_id, "closed" if closed else "open", assignment.team, assignment.staff_id,
                      assignment.manager_id, sale_date_on(history, as_of))


def case_applications(
    case_id: str, profile: CaseOpened, events: Sequence[CaseEvent], calendar: BusinessCalendar, *, as_of: date,
    readings: Readings | None = None,
) -> tuple[ApplicationRecord, ...]:
    """Only the case's applications in the pipeline on `as_of` (no clocks computed: a fold of the history)."""
    history = evaluate(case_id, profile, events, calendar, as_of, readings=readings).history
    return tuple(application_records(case_id, history, assignment_of(history), as_of=as_of))


def case_inputs(
    case_id: str, profile: CaseOpened, events: Sequence[CaseEvent], calendar: BusinessCalendar, *, as_of: date,
    readings: Readings | None = None,
) -> CaseInputs:
    """The case's record, every clock as of `as_of` (with the assignment), and its open applications."""
    evaluation = evaluate(case_id, profile, events, calendar, as_of, readings=readings)
    history = evaluation.history
    assignment = assignment_of(history)
    clocks = compute_clocks(case_id, profile, events, calendar, as_of, readings=evaluation.readings)
    return CaseInputs(
        case_record(case_id, history, assignment, as_of=as_of),
        tuple(clock_record(c, case_id, assignment) for c in clocks),
        tuple(application_records(case_id, history, assignment, as_of=as_of)),
    )

"""The plain inputs of the reports: the reporting period, clock records, case records and their assignment.

A record carries what a report needs and nothing else, so the same report runs on rows of the projection
tables (audit/projection_schema.py) or on clocks the engine has just computed (compliance.engine).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from compliance.clock import Clock
from compliance.history import History

DEFAULT_DAYS = 30  # a report without dates covers the 30 days ending today


@dataclass(frozen=True)
class Period:
    """A reporting period: `start` through `end`, both days included."""

    start: date
    end: date

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError(f"the period ends ({self.end}) before it starts ({self.start})")

    @classmethod
    def ending(cls, end: date, *, days: int) -> Period:
        """The `days` days ending on `end` (so `ending(d, days=30)` is d-29 .. d)."""
        return cls(end - timedelta(days=days - 1), end)

    @property
    def days(self) -> int:
        """Its length in calendar days."""
        return (self.end - self.start).days + 1

    def previous(self) -> Period:
        """The period of equal length just before this one."""
        return Period(self.start - timedelta(days=self.days), self.start - timedelta(days=1))

    def contains(self, day: date | None) -> bool:
        """Whether `day` falls in the period."""
        return day is not None and self.start <= day <= self.end

    def to_json(self) -> dict[str, object]:
        """{"from", "to", "days"}."""
        return {"from": self.start.isoformat(), "to": self.end.isoformat(), "days": self.days}


@dataclass(frozen=True)
class Assignment:
    """Who works a case (the latest case_assigned): team, staff member and manager."""

    team: str | None = None
    staff_id: str | None = None
    manager_id: str | None = None


@dataclass(frozen=True)
class ClockRecord:
    """One clock of one case with the case's assignment; `status` as stored or as computed."""

    case_id: str
    clock_id: str
    rule: str
    kind: str
    status: str
    trigger_on: date
    calendar: str = "us-6103a"
    due: date | None = None
    closes: date | None = None
    not_before: date | None = None
    met_by: str | None = None
    met_on: date | None = None
    team: str | None = None
    staff_id: str | None = None
    manager_id: str | None = None
    trigger_event_id: str | None = None
    trigger_at: datetime | None = None
    flags: tuple[str, ...] = ()
    finding: str | None = None


@dataclass(frozen=True)
class CaseRecord:
    """One case as the pipeline sees it: open or closed, who works it, its scheduled sale date."""

    case_id: str
    status: str = "open"
    team: str | None = None
    staff_id: str | None = None
    manager_id: str | None = None
    sale_date: date | None = None


@dataclass(frozen=True)
class ApplicationRecord:
    """One application in the pipeline: its stage since a day, when it was received, who works the case."""

    case_id: str
    application_id: str
    stage: str
    stage_on: date
    received_on: date
    team: str | None = None
    staff_id: str | None = None
    manager_id: str | None = None

    def age(self, as_of: date) -> int:
        """Days since the application was received."""
        return (as_of - self.received_on).days

    def to_json(self, *, as_of: date) -> dict[str, object]:
        """The record as JSON, with its age and days in stage on `as_of`."""
        return {"case_id": self.case_id, "application_id": self.application_id, "stage": self.stage,
                "stage_on": self.stage_on.isoformat(), "received_on": self.received_on.isoformat(),
                "age_days": self.age(as_of), "days_in_stage": (as_of - self.stage_on).days, "team": self.team,
                "staff_id": self.staff_id}


def period_for(start: date | None, end: date | None, *, today: date, days: int = DEFAULT_DAYS) -> Period:
    """The period asked for: missing `end` is today; missing `start` is `days` days ending on `end`."""
    last = end or today
    return Period(start, last) if start is not None else Period.ending(last, days=days)


def assignment_of(history: History) -> Assignment:
    """The latest case_assigned of the history, in the order things happened (none: all fields None)."""
    assigned = [e for e in history.chronological if e.type == "case_assigned"]
    if not assigned:
        return Assignment()
    data = assigned[-1].data
    return Assignment(getattr(data, "team", None), getattr(data, "staff_id", None), getattr(data, "manager_id", None))


def clock_record(clock: Clock, case_id: str, assignment: Assignment) -> ClockRecord:
    """The record of an engine-computed clock (status as of the engine's as_of)."""
    return ClockRecord(
        case_id=case_id, clock_id=clock.id, rule=clock.rule, kind=clock.kind, status=clock.status,
        trigger_on=clock.trigger.on, calendar=clock.calendar, due=clock.due, closes=clock.closes,
        not_before=clock.not_before, met_by=clock.met_by, met_on=clock.met_on, team=assignment.team,
        staff_id=assignment.staff_id, manager_id=assignment.manager_id, trigger_event_id=clock.trigger.event_id,
        trigger_at=clock.trigger.at, flags=clock.flags, finding=clock.finding,
    )

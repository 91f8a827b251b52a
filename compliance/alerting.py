"""When a deadline passes, is close, or needs escalating: pure date and time decisions of the monitoring scans.

A deadline passes at the END of its due date in the case's time zone: it is breached from the first instant
whose local date is due + 1. Comparing local dates (never local wall-clock times) keeps this exact across
DST changes, including zones whose midnight is skipped or repeated.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from timelines.calendar import BusinessCalendar

ONE_DAY = timedelta(days=1)
# Alert ids are derived from (clock, level, due, lead) so every process names the same alert the same way.
ALERT_NAMESPACE = uuid.UUID("0b7f4f0e-5a51-4d2b-8f3e-6a1c9d2e7b40")
# The approaching reminders of the issue: 2 business days before the due date, and on the due date.
DEFAULT_LEADS = (2, 0)


def local_today(now: datetime, zone: ZoneInfo) -> date:
    """The calendar date of `now` in `zone` (CONTRACT §1: legal dates are dates in the case's zone)."""
    if now.utcoffset() is None:
        raise ValueError("now must be timezone-aware")
    return now.astimezone(zone).date()


def is_past(due: date, now: datetime, zone: ZoneInfo) -> bool:
    """True once the whole due date has passed in `zone` (the deadline is then breached if unmet)."""
    return local_today(now, zone) > due


def start_of_day(day: date, zone: ZoneInfo) -> datetime:
    """The first instant (UTC) whose local date in `zone` is `day`, even where local midnight is skipped."""
    # fold=0 picks the earlier of a repeated midnight, and maps a skipped one (America/Havana in March) with
    # the offset before the gap, which is the transition instant: in both cases the day's first instant.
    return datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)


def passes_at(due: date, zone: ZoneInfo) -> datetime:
    """The instant (UTC) a deadline due on `due` in `zone` has passed: the start of the next local day."""
    return start_of_day(due + ONE_DAY, zone)


def approaching_lead(due: date, today: date, calendar: BusinessCalendar, leads: Sequence[int]) -> int | None:
    """The most imminent reminder that applies today: the smallest lead L with at most L business days left.

    Business days left = business days in (today, due] under the case's calendar policy; lead 0 is the due
    date itself. None when no reminder applies (too early, or the deadline has already passed).
    """
    if today > due:
        return None
    left = calendar.business_days_between(today, due)
    applicable = [lead for lead in leads if left <= lead and (lead > 0 or today == due)]
    return min(applicable) if applicable else None


def escalation_due(raised_at: datetime, now: datetime, after: timedelta) -> bool:
    """True when an unacknowledged breach alert has waited `after` or longer."""
    return now - raised_at >= after


def alert_id(clock_id: str, level: str, due: date, lead: int = 0) -> str:
    """The stable id of the alert for (clock, level, due date, lead): the same in every process."""
    return str(uuid.uuid5(ALERT_NAMESPACE, f"{clock_id}|{level}|{due.isoformat()}|{lead}"))


def digest_id(recipient: str, day: date) -> str:
    """The stable id of one recipient's daily digest for `day` (delivered once whatever runs it)."""
    return str(uuid.uuid5(ALERT_NAMESPACE, f"digest|{recipient}|{day.isoformat()}"))


@dataclass(frozen=True)
class ClockState:
    """What the scan knows of an alert's clock now; `exists` is False when the clock row is gone."""

    exists: bool
    status: str | None = None
    met_by: str | None = None
    due: date | None = None
    case_open: bool = True
    passed: bool = False


def resolution(level: str, alert_due: date, clock: ClockState) -> str | None:
    """Why a live alert is settled now (its reason), or None while it still calls for attention."""
    if not clock.case_open:
        return "case_closed"  # closing also cancels the clocks still running (compliance.closure)
    if not clock.exists or clock.status in ("cancelled", "not_applicable"):
        return "cancelled"
    if clock.due != alert_due:
        return "superseded"  # a correction moved the due date: the alert for the new date replaces it
    if clock.met_by is not None:
        return "met" if clock.status == "met" else "met_late"
    if level == "approaching" and clock.passed:
        return "breached"  # the breach alert takes over
    return None


def recipients_for(manager_id: str | None, *, fallback: Sequence[str]) -> tuple[str, ...]:
    """Routing by the latest case_assigned: its manager; an unassigned case goes to the configured fallback."""
    return (manager_id,) if manager_id else tuple(fallback)

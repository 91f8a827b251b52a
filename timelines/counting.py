"""Day counts with their derivation: every counted or skipped day, so a reader can reproduce the date."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from timelines.calendar import BusinessCalendar
from timelines.span import check_in_span

_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_WEEKEND = {5: "Saturday", 6: "Sunday"}
_ONE_DAY = timedelta(days=1)
_NO_ROLL_FORWARD = "no roll-forward: Reg X has none; last business day on or before is"


@dataclass(frozen=True)
class Count:
    """A computed date and the steps that derive it."""

    due: date
    steps: tuple[str, ...]


def weekday_label(day: date) -> str:
    """A date as "Thu 2026-07-02" (English weekday, independent of the process locale)."""
    return f"{_WEEKDAYS[day.weekday()]} {day.isoformat()}"


def count_business_days(cal: BusinessCalendar, start: date, n: int, *, label: str) -> Count:
    """The n-th business day after `start`, listing every day from day 0 to the due date."""
    # Rulebook §0.2 / CONTRACT §3: day 0 is the trigger date and is never counted, even on a business day.
    due = cal.add_business_days(start, n)
    steps = [_day_zero(start, label)]
    counted, day = 0, start + _ONE_DAY
    while day <= due:
        if cal.is_business_day(day):
            counted += 1
            steps.append(f"day {counted} {weekday_label(day)}")
        else:
            steps.append(f"skip {weekday_label(day)} ({_skip_reason(cal, day)})")
        day += _ONE_DAY
    return Count(due=due, steps=tuple(steps))


def count_calendar_days(cal: BusinessCalendar, start: date, n: int, *, label: str) -> Count:
    """`start` + n calendar days, saying when the due date is not a business day (it does not move)."""
    if n < 0:
        raise ValueError(f"a calendar-day count cannot be negative (got {n})")
    # Range-check both ends: a date outside the calendar is an error, never a guess (CONTRACT §4).
    check_in_span(start)
    due = start + timedelta(days=n)
    due_is_business = cal.is_business_day(due)
    unit = "calendar day" if n == 1 else "calendar days"
    steps = [
        _day_zero(start, label),
        f'+ {n} {unit} (12 CFR 1024.31: "day" means calendar day)',
        f"day {n} {weekday_label(due)}",
    ]
    if not due_is_business:
        # Rulebook §2.3: Reg X has no analogue of FRCP 6(a)(1)(C); alert on the last business day before.
        send_by = cal.last_business_day_on_or_before(due)
        steps.append(f"{_NO_ROLL_FORWARD} {weekday_label(send_by)}")
    return Count(due=due, steps=tuple(steps))


def _day_zero(start: date, label: str) -> str:
    return f"day 0 {weekday_label(start)} ({label})" if label else f"day 0 {weekday_label(start)}"


def _skip_reason(cal: BusinessCalendar, day: date) -> str:
    reasons = [_WEEKEND[day.weekday()]] if day.weekday() in _WEEKEND else []
    name = cal.holiday_name(day)
    if name is not None:
        reasons.append(name)
    return "; ".join(reasons)

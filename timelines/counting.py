"""Day counts with their derivation: every counted or skipped day, so a reader can reproduce the date.

The due date is computed (and range-checked) at once; the lines are written the first time they are read,
and counts are memoised, since a portfolio repeats the same (calendar, day 0, length, label) many times.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import FrozenInstanceError
from datetime import date, timedelta

from timelines.calendar import BusinessCalendar
from timelines.span import check_in_span

_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_WEEKEND = {5: "Saturday", 6: "Sunday"}
_ONE_DAY = timedelta(days=1)
_NO_ROLL_FORWARD = "no roll-forward: Reg X has none; last business day on or before is"
# Distinct (calendar, day 0, length, label) keys stay few (dates x a handful of lengths); bound them anyway. A
# Count whose derivation was written out holds ~1.8 KB, so 2**15 caps the tables near 60 MB (2**17 let a portfolio
# export grow by ~240 MB); 2**12 costs bench.clocks a quarter of its speed in misses.
_MEMO_LIMIT = 1 << 15

_set = object.__setattr__


class Count:
    """A computed date and the steps that derive it (written on first read when built from a recipe)."""

    __slots__ = ("due", "_steps", "_write")

    due: date

    def __init__(
        self, due: date, steps: tuple[str, ...] | None = None, *, write: Callable[[], tuple[str, ...]] | None = None
    ) -> None:
        _set(self, "due", due)
        _set(self, "_steps", steps)
        _set(self, "_write", write)

    @property
    def steps(self) -> tuple[str, ...]:
        """Each counted or skipped day from day 0 to the due date."""
        steps = self._steps
        if steps is None:
            steps = self._write()  # type: ignore[misc]
            _set(self, "_steps", steps)
        return steps

    def lines(self) -> tuple[str, ...]:
        """The steps (as a bound method, this is a recipe: a derivation that is written only when read)."""
        return self.steps

    def __setattr__(self, name: str, value: object) -> None:
        raise FrozenInstanceError(f"cannot assign to field {name!r}")

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not Count:
            return NotImplemented
        return (self.due, self.steps) == (other.due, other.steps)  # type: ignore[attr-defined]

    def __hash__(self) -> int:
        return hash((self.due, self.steps))

    def __repr__(self) -> str:
        return f"Count(due={self.due!r}, steps={self.steps!r})"


def weekday_label(day: date) -> str:
    """A date as "Thu 2026-07-02" (English weekday, independent of the process locale)."""
    return f"{_WEEKDAYS[day.weekday()]} {day.isoformat()}"


_business: dict[tuple[BusinessCalendar, date, int, str], Count] = {}
_calendar: dict[tuple[BusinessCalendar, date, int, str], Count] = {}


def count_business_days(cal: BusinessCalendar, start: date, n: int, *, label: str) -> Count:
    """The n-th business day after `start`, listing every day from day 0 to the due date."""
    key = (cal, start, n, label)
    found = _business.get(key)
    if found is None:
        # Rulebook §0.2 / CONTRACT §3: day 0 is the trigger date and is never counted, even on a business day.
        due = cal.add_business_days(start, n)
        found = Count(due, write=lambda: _business_steps(cal, start, due, label))
        if len(_business) >= _MEMO_LIMIT:
            _business.clear()
        _business[key] = found
    return found


def _business_steps(cal: BusinessCalendar, start: date, due: date, label: str) -> tuple[str, ...]:
    steps = [_day_zero(start, label)]
    counted, day = 0, start + _ONE_DAY
    while day <= due:
        if cal.is_business_day(day):
            counted += 1
            steps.append(f"day {counted} {weekday_label(day)}")
        else:
            steps.append(f"skip {weekday_label(day)} ({_skip_reason(cal, day)})")
        day += _ONE_DAY
    return tuple(steps)


def count_calendar_days(cal: BusinessCalendar, start: date, n: int, *, label: str) -> Count:
    """`start` + n calendar days, saying when the due date is not a business day (it does not move)."""
    key = (cal, start, n, label)
    found = _calendar.get(key)
    if found is None:
        if n < 0:
            raise ValueError(f"a calendar-day count cannot be negative (got {n})")
        # Range-check both ends: a date outside the calendar is an error, never a guess (CONTRACT §4).
        check_in_span(start)
        due = start + timedelta(days=n)
        send_by = None if cal.is_business_day(due) else cal.last_business_day_on_or_before(due)
        found = Count(due, write=lambda: _calendar_steps(start, n, due, send_by, label))
        if len(_calendar) >= _MEMO_LIMIT:
            _calendar.clear()
        _calendar[key] = found
    return found


def _calendar_steps(start: date, n: int, due: date, send_by: date | None, label: str) -> tuple[str, ...]:
    unit = "calendar day" if n == 1 else "calendar days"
    steps = (
        _day_zero(start, label),
        f'+ {n} {unit} (12 CFR 1024.31: "day" means calendar day)',
        f"day {n} {weekday_label(due)}",
    )
    if send_by is not None:
        # Rulebook §2.3: Reg X has no analogue of FRCP 6(a)(1)(C); alert on the last business day before.
        steps += (f"{_NO_ROLL_FORWARD} {weekday_label(send_by)}",)
    return steps


def _day_zero(start: date, label: str) -> str:
    return f"day 0 {weekday_label(start)} ({label})" if label else f"day 0 {weekday_label(start)}"


def _skip_reason(cal: BusinessCalendar, day: date) -> str:
    reasons = [_WEEKEND[day.weekday()]] if day.weekday() in _WEEKEND else []
    name = cal.holiday_name(day)
    if name is not None:
        reasons.append(name)
    return "; ".join(reasons)

"""Reg X business-day calendars: Saturdays, Sundays and 5 U.S.C. 6103(a) legal public holidays."""

from __future__ import annotations

import functools
from bisect import bisect_right
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from types import MappingProxyType

import holidays

from timelines.span import FIRST_YEAR, LAST_YEAR, CalendarRangeError

DEFAULT_POLICY = "us-6103a"
_ONE_DAY = timedelta(days=1)


@dataclass(frozen=True, kw_only=True)
class CalendarPolicy:
    """Which days a Reg X business-day count skips, and the years it is built for."""

    name: str
    observed: bool
    cite: str
    first_year: int = FIRST_YEAR
    last_year: int = LAST_YEAR


POLICIES: Mapping[str, CalendarPolicy] = MappingProxyType(
    {
        # Rulebook §6.2: only the actual 6103(a) dates; observed Fridays/Mondays are business days
        # (the reading of Reg Z comment 2(a)(6)-2, and never later than the alternative).
        "us-6103a": CalendarPolicy(
            name="us-6103a",
            observed=False,
            cite="5 U.S.C. 6103(a) (actual dates); Reg Z comment 2(a)(6)-2",
        ),
        # 6103(b) and E.O. 11582 §3(a): the Friday/Monday substitutes, kept as the alternative reading.
        "us-6103a-observed": CalendarPolicy(
            name="us-6103a-observed",
            observed=True,
            cite="5 U.S.C. 6103(a)-(b); E.O. 11582 §3(a) (observed Friday/Monday)",
        ),
    }
)


def legal_public_holidays(policy: CalendarPolicy) -> dict[date, str]:
    """Every date the policy excludes as a holiday, with its name, from the pinned `holidays` package."""
    # Rulebook §7: the package defaults to observed=True, so both options are set explicitly; "public" is
    # the 6103(a) list (no executive-order closures, no Inauguration Day). Build a year either side
    # because an observed New Year's Day of year Y+1 falls on Dec 31 of year Y.
    table = holidays.US(
        years=range(policy.first_year - 1, policy.last_year + 2),
        observed=policy.observed,
        categories=("public",),
        expand=False,
    )
    in_years = range(policy.first_year, policy.last_year + 1)
    return {day: name for day, name in sorted(table.items()) if day.year in in_years}


@dataclass(frozen=True, slots=True, eq=False)
class BusinessCalendar:
    """An immutable business-day calendar for one policy, with constant-time arithmetic."""

    policy: CalendarPolicy
    _holidays: Mapping[date, str] = field(init=False, repr=False)
    _holiday_days: tuple[date, ...] = field(init=False, repr=False)
    # Every business day of the span, in order.
    _business: tuple[date, ...] = field(init=False, repr=False)
    # For every date of the span: how many business days fall on or before it.
    _through: Mapping[date, int] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        excluded = legal_public_holidays(self.policy)
        business: list[date] = []
        through: dict[date, int] = {}
        day, last = date(self.policy.first_year, 1, 1), date(self.policy.last_year, 12, 31)
        while day <= last:
            if day.weekday() < 5 and day not in excluded:
                business.append(day)
            through[day] = len(business)
            day += _ONE_DAY
        object.__setattr__(self, "_holidays", MappingProxyType(excluded))
        object.__setattr__(self, "_holiday_days", tuple(excluded))
        object.__setattr__(self, "_business", tuple(business))
        object.__setattr__(self, "_through", MappingProxyType(through))

    @property
    def name(self) -> str:
        """The policy name, e.g. "us-6103a"."""
        return self.policy.name

    def is_business_day(self, day: date) -> bool:
        """True unless the day is a Saturday, a Sunday or a holiday of the policy."""
        count = self._rank(day)
        return count > 0 and self._business[count - 1] == day

    def add_business_days(self, day: date, n: int) -> date:
        """The n-th business day strictly after `day` (day 0 is `day` itself, even on a weekend)."""
        if n < 1:
            return self._add_none(day, n)
        try:
            # The hot path: one hash lookup and one tuple index, whatever n is.
            return self._business[self._through[day] + n - 1]
        except KeyError:
            raise self._not_in_calendar(day) from None
        except IndexError:
            raise CalendarRangeError(
                f"{n} business days after {day.isoformat()} runs past {self.policy.last_year}-12-31"
            ) from None

    def business_days_between(self, start: date, end: date) -> int:
        """How many business days fall in (start, end]; 0 when end is not after start."""
        start_count, end_count = self._rank(start), self._rank(end)
        return max(end_count - start_count, 0)

    def last_business_day_on_or_before(self, day: date) -> date:
        """The latest business day that is not after `day` (an operational send-by date, rulebook §2.3)."""
        count = self._rank(day)
        if count == 0:
            raise CalendarRangeError(f"no business day on or before {day.isoformat()} inside the calendar")
        return self._business[count - 1]

    def holiday_name(self, day: date) -> str | None:
        """The holiday's name if the policy excludes the day as a holiday, else None."""
        self._rank(day)
        return self._holidays.get(day)

    def holidays_between(self, start: date, end: date) -> list[tuple[date, str]]:
        """The policy's holidays in (start, end], the same window as business_days_between, oldest first."""
        self._rank(start)
        self._rank(end)
        days = self._holiday_days
        window = days[bisect_right(days, start) : bisect_right(days, end)]
        return [(day, self._holidays[day]) for day in window]

    def _add_none(self, day: date, n: int) -> date:
        if n < 0:
            raise ValueError(f"a business-day count cannot be negative (got {n})")
        self._rank(day)
        return day

    def _rank(self, day: date) -> int:
        try:
            return self._through[day]
        except KeyError:
            raise self._not_in_calendar(day) from None

    def _not_in_calendar(self, day: object) -> Exception:
        # A datetime never equals a date, so it would silently miss the table: say so instead.
        if isinstance(day, datetime) or not isinstance(day, date):
            return TypeError(f"expected a datetime.date, got {type(day).__name__}")
        years = f"{self.policy.first_year}-{self.policy.last_year}"
        return CalendarRangeError(f"{day.isoformat()} is outside the calendar years {years} of {self.name}")


@functools.cache
def calendar_for(name: str) -> BusinessCalendar:
    """The business calendar of a named policy, built once per process."""
    try:
        policy = POLICIES[name]
    except KeyError:
        raise ValueError(f"unknown calendar policy {name!r}; known: {', '.join(sorted(POLICIES))}") from None
    return BusinessCalendar(policy)

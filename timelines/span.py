"""The supported calendar span: every date the service reasons about must fall inside it."""

from __future__ import annotations

from datetime import date

# The calendar is built for these years (at least 2000-2045); a date outside is an error, never a guess.
FIRST_YEAR = 2000
LAST_YEAR = 2045


class CalendarRangeError(ValueError):
    """A date fell outside the years the business-day calendar was built for."""


def check_in_span(day: date) -> date:
    """Return the date unchanged, or raise CalendarRangeError if it is outside the supported years."""
    if not FIRST_YEAR <= day.year <= LAST_YEAR:
        span = f"{FIRST_YEAR}-{LAST_YEAR}"
        raise CalendarRangeError(f"{day.isoformat()} is outside the supported calendar years {span}")
    return day

"""Business days and holidays of a calendar policy over an inclusive range of days."""

from __future__ import annotations

from datetime import date, timedelta

from api.errors import InvalidParameter
from timelines.calendar import calendar_for


def _check_range(start: date, end: date) -> None:
    if end < start:
        raise InvalidParameter("query.to", f"{end.isoformat()} is before from ({start.isoformat()})")


def business_days(policy: str, start: date, end: date) -> list[date]:
    """Every business day of the policy from `start` to `end`, both included."""
    _check_range(start, end)
    calendar = calendar_for(policy)
    days = (start + timedelta(days=n) for n in range((end - start).days + 1))
    return [day for day in days if calendar.is_business_day(day)]


def holidays(policy: str, start: date, end: date) -> list[tuple[date, str]]:
    """The legal public holidays the policy excludes from `start` to `end`, both included."""
    _check_range(start, end)
    calendar = calendar_for(policy)
    first = calendar.holiday_name(start)
    # holidays_between covers (start, end]; the first day is looked up on its own.
    return ([(start, first)] if first else []) + calendar.holidays_between(start, end)

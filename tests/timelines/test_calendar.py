"""Worked examples for the Reg X business-day calendars (rulebook §2, §6; CONTRACT §4)."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime

import pytest

from timelines.calendar import POLICIES, BusinessCalendar, CalendarPolicy, calendar_for
from timelines.span import CalendarRangeError

ACTUAL, OBSERVED = "us-6103a", "us-6103a-observed"


def add(policy: str, day: str, n: int) -> str:
    return calendar_for(policy).add_business_days(date.fromisoformat(day), n).isoformat()


@pytest.mark.parametrize(
    ("start", "n", "actual", "observed", "why"),
    [
        ("2026-07-02", 5, "2026-07-09", "2026-07-10", "Independence Day on Sat; observed Fri 07-03 counts"),
        ("2026-07-03", 5, "2026-07-10", "2026-07-10", "receipt on the observed day is day 0 either way"),
        ("2026-07-04", 5, "2026-07-10", "2026-07-10", "a Saturday holiday is still day 0"),
        ("2024-11-27", 1, "2024-11-29", "2024-11-29", "Thanksgiving 2024 (Thu) skipped; Black Friday counts"),
        ("2024-12-24", 1, "2024-12-26", "2024-12-26", "Christmas 2024 (Wed) skipped"),
        ("2024-06-18", 1, "2024-06-20", "2024-06-20", "Juneteenth 2024 (Wed) skipped"),
        ("2026-06-18", 1, "2026-06-22", "2026-06-22", "Juneteenth 2026 (Fri) skipped, then the weekend"),
        ("2026-11-25", 1, "2026-11-27", "2026-11-27", "Thanksgiving 2026 skipped"),
        ("2026-12-24", 1, "2026-12-28", "2026-12-28", "Christmas 2026 (Fri) skipped, then the weekend"),
        ("2027-06-17", 1, "2027-06-18", "2027-06-21", "Juneteenth 2027 on Sat: observed Fri 06-18"),
        ("2027-07-02", 1, "2027-07-05", "2027-07-06", "Independence Day 2027 on Sun: observed Mon 07-05"),
        ("2027-11-24", 1, "2027-11-26", "2027-11-26", "Thanksgiving 2027 skipped"),
        ("2027-12-23", 1, "2027-12-24", "2027-12-27", "Christmas 2027 on Sat: observed Fri 12-24"),
        ("2027-12-30", 1, "2027-12-31", "2028-01-03", "New Year's Day 2028 on Sat: observed Fri 2027-12-31"),
        ("2025-12-23", 3, "2025-12-29", "2025-12-29", "2025-12-24 and 12-26 closures are business days"),
    ],
)
def test_holiday_weeks(start: str, n: int, actual: str, observed: str, why: str) -> None:
    """Day 0 is the trigger date; weekends and 6103(a) holidays are skipped (rulebook §0.2, §6)."""
    assert add(ACTUAL, start, n) == actual, why
    assert add(OBSERVED, start, n) == observed, why


def test_cfpb_comment_41k2ii_1_transfer_example() -> None:
    """Comment 41(k)(2)(ii)-1: Tue 2013-10-01 + 5 is Oct 8; Oct 8 + 10 is Oct 23 (Columbus Day skipped)."""
    for policy in POLICIES:
        assert add(policy, "2013-10-01", 5) == "2013-10-08"
        assert add(policy, "2013-10-08", 10) == "2013-10-23"


def test_zero_days_is_day_zero_even_on_a_weekend() -> None:
    cal = calendar_for(ACTUAL)
    assert cal.add_business_days(date(2026, 7, 4), 0) == date(2026, 7, 4)


def test_negative_count_is_rejected() -> None:
    with pytest.raises(ValueError, match="negative"):
        calendar_for(ACTUAL).add_business_days(date(2026, 7, 2), -1)


@pytest.mark.parametrize(
    ("day", "actual", "observed"),
    [
        ("2026-07-02", True, True),
        ("2026-07-03", True, False),  # the observed Friday: a Reg X business day on the actual-date reading
        ("2026-07-04", False, False),
        ("2026-07-05", False, False),
        ("2026-09-07", False, False),  # Labor Day
        ("2022-12-26", True, False),  # Christmas 2022 on Sunday, observed Monday
    ],
)
def test_is_business_day(day: str, actual: bool, observed: bool) -> None:
    assert calendar_for(ACTUAL).is_business_day(date.fromisoformat(day)) is actual
    assert calendar_for(OBSERVED).is_business_day(date.fromisoformat(day)) is observed


def test_business_days_between_counts_the_half_open_window() -> None:
    cal = calendar_for(ACTUAL)
    assert cal.business_days_between(date(2026, 7, 2), date(2026, 7, 9)) == 5
    assert cal.business_days_between(date(2026, 7, 2), date(2026, 7, 2)) == 0
    assert cal.business_days_between(date(2026, 7, 9), date(2026, 7, 2)) == 0
    assert calendar_for(OBSERVED).business_days_between(date(2026, 7, 2), date(2026, 7, 9)) == 4


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        ("2026-11-29", "2026-11-27"),  # Sunday -> Friday (rulebook §2.3 send-by date)
        ("2026-11-27", "2026-11-27"),  # already a business day
        ("2026-09-07", "2026-09-04"),  # Labor Day -> the Friday before
        ("2000-01-03", "2000-01-03"),  # the first business day of the calendar
    ],
)
def test_last_business_day_on_or_before(day: str, expected: str) -> None:
    cal = calendar_for(ACTUAL)
    assert cal.last_business_day_on_or_before(date.fromisoformat(day)).isoformat() == expected


def test_holiday_names_per_policy() -> None:
    actual, observed = calendar_for(ACTUAL), calendar_for(OBSERVED)
    assert actual.holiday_name(date(2026, 7, 4)) == "Independence Day"
    assert actual.holiday_name(date(2026, 7, 3)) is None
    assert observed.holiday_name(date(2026, 7, 3)) == "Independence Day (observed)"
    assert observed.holiday_name(date(2026, 7, 4)) == "Independence Day"
    assert actual.holiday_name(date(2026, 7, 6)) is None


def test_holidays_between_is_half_open() -> None:
    """(start, end]: the same window business_days_between counts."""
    cal = calendar_for(OBSERVED)
    assert cal.holidays_between(date(2026, 7, 3), date(2026, 9, 7)) == [
        (date(2026, 7, 4), "Independence Day"),
        (date(2026, 9, 7), "Labor Day"),
    ]
    assert cal.holidays_between(date(2026, 7, 2), date(2026, 7, 3)) == [
        (date(2026, 7, 3), "Independence Day (observed)")
    ]
    assert cal.holidays_between(date(2026, 7, 5), date(2026, 7, 4)) == []


OUTSIDE = [date(1999, 12, 31), date(2046, 1, 1)]


@pytest.mark.parametrize("day", OUTSIDE, ids=str)
def test_every_method_refuses_a_date_outside_the_calendar(day: date) -> None:
    """A date outside 2000-2045 is an error, never a guess (CONTRACT §4)."""
    cal, inside = calendar_for(ACTUAL), date(2026, 7, 2)
    calls = [
        lambda: cal.is_business_day(day),
        lambda: cal.add_business_days(day, 1),
        lambda: cal.add_business_days(day, 0),
        lambda: cal.business_days_between(day, inside),
        lambda: cal.business_days_between(inside, day),
        lambda: cal.last_business_day_on_or_before(day),
        lambda: cal.holiday_name(day),
        lambda: cal.holidays_between(day, inside),
        lambda: cal.holidays_between(inside, day),
    ]
    for call in calls:
        with pytest.raises(CalendarRangeError, match=day.isoformat()):
            call()


def test_a_result_past_the_last_year_is_refused() -> None:
    cal = calendar_for(ACTUAL)
    last = cal.last_business_day_on_or_before(date(2045, 12, 31))
    assert last == date(2045, 12, 29)
    assert cal.add_business_days(date(2045, 12, 28), 1) == last
    with pytest.raises(CalendarRangeError, match="runs past 2045-12-31"):
        cal.add_business_days(last, 1)
    with pytest.raises(CalendarRangeError, match="runs past 2045-12-31"):
        cal.add_business_days(date(2045, 6, 1), 400)


def test_no_business_day_before_the_first_one() -> None:
    """2000-01-01 (Sat, New Year's Day) and 01-02 (Sun) have no business day on or before them in range."""
    with pytest.raises(CalendarRangeError, match="no business day on or before 2000-01-02"):
        calendar_for(ACTUAL).last_business_day_on_or_before(date(2000, 1, 2))


def test_a_datetime_is_refused_not_silently_missed() -> None:
    """A datetime never equals a date; the calendar says so instead of reporting a range error."""
    with pytest.raises(TypeError, match="datetime"):
        calendar_for(ACTUAL).add_business_days(datetime(2026, 7, 2, 9, 0), 5)  # type: ignore[arg-type]


def test_a_narrower_policy_refuses_dates_inside_the_global_span() -> None:
    policy = CalendarPolicy(
        name="test-2026", observed=False, cite="5 U.S.C. 6103(a)", first_year=2026, last_year=2026
    )
    cal = BusinessCalendar(policy)
    assert cal.add_business_days(date(2026, 7, 2), 5) == date(2026, 7, 9)
    with pytest.raises(
        CalendarRangeError, match="2025-12-31 is outside the calendar years 2026-2026 of test-2026"
    ):
        cal.is_business_day(date(2025, 12, 31))


def test_calendars_are_built_once_and_named_after_their_policy() -> None:
    assert calendar_for(ACTUAL) is calendar_for(ACTUAL)
    assert calendar_for(OBSERVED).name == OBSERVED
    assert calendar_for(OBSERVED).policy is POLICIES[OBSERVED]
    assert POLICIES[ACTUAL].observed is False and POLICIES[OBSERVED].observed is True


def test_unknown_policy_names_the_known_ones() -> None:
    with pytest.raises(ValueError, match="'us-6103b'.*known: us-6103a, us-6103a-observed"):
        calendar_for("us-6103b")


def test_calendar_and_policies_are_immutable() -> None:
    cal = calendar_for(ACTUAL)
    with pytest.raises(dataclasses.FrozenInstanceError):
        cal.policy = POLICIES[OBSERVED]  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        POLICIES[ACTUAL].observed = True  # type: ignore[misc]
    with pytest.raises(TypeError):
        POLICIES["mine"] = POLICIES[ACTUAL]  # type: ignore[index]

"""Property tests for the business-day calendars (STYLE rule 21), with numpy's busday functions as oracle.

numpy is a test-only dependency. Its `busday_offset` rolls a non-business start day first; with
roll="backward" the start rolls back to the last business day on or before it, and since no business day
lies between that day and the start, "+ n business days" is then the n-th business day strictly after the
start: the Reg X convention (day 0 is the trigger date, even on a weekend). roll="forward" would count
one day too many from a weekend or holiday start.
"""

from __future__ import annotations

import functools
import math
from datetime import date

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from timelines.calendar import POLICIES, BusinessCalendar, calendar_for, legal_public_holidays

# Starts up to 2044-12-31 and counts up to 120 keep every sum of two counts inside the 2000-2045 calendar.
starts = st.dates(min_value=date(2000, 1, 1), max_value=date(2044, 12, 31))
counts = st.integers(min_value=1, max_value=120)
policies = st.sampled_from(sorted(POLICIES))


@functools.cache
def numpy_calendar(policy: str) -> np.busdaycalendar:
    days = sorted(legal_public_holidays(POLICIES[policy]))
    return np.busdaycalendar(weekmask="1111100", holidays=np.array(days, dtype="datetime64[D]"))


def _day(value: np.datetime64) -> date:
    return value.astype("datetime64[D]").item()


@given(policy=policies, start=starts, n=counts)
def test_result_is_a_business_day_after_the_start(policy: str, start: date, n: int) -> None:
    cal = calendar_for(policy)
    due = cal.add_business_days(start, n)
    assert due > start
    assert cal.is_business_day(due)


@given(policy=policies, start=starts, n=counts)
def test_strictly_increasing_in_n(policy: str, start: date, n: int) -> None:
    cal = calendar_for(policy)
    assert cal.add_business_days(start, n) < cal.add_business_days(start, n + 1)


@given(policy=policies, start=starts, n=counts, m=counts)
def test_additive(policy: str, start: date, n: int, m: int) -> None:
    cal = calendar_for(policy)
    assert cal.add_business_days(cal.add_business_days(start, n), m) == cal.add_business_days(start, n + m)


@given(policy=policies, start=starts, n=counts)
def test_between_inverts_add(policy: str, start: date, n: int) -> None:
    cal = calendar_for(policy)
    assert cal.business_days_between(start, cal.add_business_days(start, n)) == n


@given(policy=policies, start=starts, n=counts)
def test_calendar_length_is_bounded(policy: str, start: date, n: int) -> None:
    """n business days take at most n + h + 2*ceil((n + h)/5) calendar days, h = holidays in the window.

    STYLE rule 21 writes the bound as n + 2*ceil(n/5) + h, which is too tight: Fri 2026-09-04 + 5 lands on
    Mon 09-14, 10 days later, because Labor Day pushes the count across a second weekend (5 + 2 + 1 = 8).
    A holiday adds one weekday to the window and so can add a weekend as well.
    """
    cal = calendar_for(policy)
    due = cal.add_business_days(start, n)
    h = len(cal.holidays_between(start, due))
    assert n <= (due - start).days <= n + h + 2 * math.ceil((n + h) / 5)


def test_the_style_guide_bound_counterexample() -> None:
    cal = calendar_for("us-6103a")
    start = date(2026, 9, 4)
    due = cal.add_business_days(start, 5)
    assert due == date(2026, 9, 14)
    assert (due - start).days == 10 > 5 + 2 * math.ceil(5 / 5) + len(cal.holidays_between(start, due))


@given(policy=policies, start=starts, n=counts)
def test_agrees_with_numpy_busday_offset(policy: str, start: date, n: int) -> None:
    expected = np.busday_offset(start, n, roll="backward", busdaycal=numpy_calendar(policy))
    assert calendar_for(policy).add_business_days(start, n) == _day(expected)


@given(policy=policies, start=starts, end=starts)
def test_between_agrees_with_numpy_busday_count(policy: str, start: date, end: date) -> None:
    """(start, end] is numpy's [start + 1, end + 1)."""
    one = np.timedelta64(1, "D")
    begin, stop = np.datetime64(start) + one, np.datetime64(end) + one
    expected = max(int(np.busday_count(begin, stop, busdaycal=numpy_calendar(policy))), 0)
    assert calendar_for(policy).business_days_between(start, end) == expected


@given(policy=policies, day=starts)
def test_is_business_day_agrees_with_numpy(policy: str, day: date) -> None:
    assert calendar_for(policy).is_business_day(day) is bool(
        np.is_busday(day, busdaycal=numpy_calendar(policy))
    )


@given(policy=policies, day=st.dates(min_value=date(2000, 1, 3), max_value=date(2045, 12, 31)))
def test_last_business_day_on_or_before(policy: str, day: date) -> None:
    cal = calendar_for(policy)
    found = cal.last_business_day_on_or_before(day)
    assert found <= day and cal.is_business_day(found)
    assert cal.business_days_between(found, day) == 0


@pytest.mark.parametrize("policy", sorted(POLICIES))
@pytest.mark.parametrize(
    ("start", "n"),
    [(date(2026, 7, 4), 1), (date(2026, 7, 3), 1), (date(2026, 7, 2), 5), (date(2027, 12, 25), 3)],
    ids=str,
)
def test_numpy_oracle_on_weekend_and_holiday_starts(policy: str, start: date, n: int) -> None:
    """Worked check of the roll argument: backward matches day-0 counting, forward is one day late."""
    cal: BusinessCalendar = calendar_for(policy)
    ours = cal.add_business_days(start, n)
    assert _day(np.busday_offset(start, n, roll="backward", busdaycal=numpy_calendar(policy))) == ours
    forward = _day(np.busday_offset(start, n, roll="forward", busdaycal=numpy_calendar(policy)))
    if cal.is_business_day(start):
        assert forward == ours
    else:
        assert forward == cal.add_business_days(start, n + 1)


@pytest.mark.parametrize("policy", sorted(POLICIES))
@pytest.mark.parametrize("n", [1, 5, 10, 30])
def test_every_start_day_agrees_with_numpy(policy: str, n: int) -> None:
    """Exhaustive over the calendar (as far as the result stays inside it): no day escapes the oracle."""
    first, last = np.datetime64("2000-01-01"), np.datetime64("2045-11-01")
    starts_ = np.arange(first, last, dtype="datetime64[D]")
    expected = np.busday_offset(starts_, n, roll="backward", busdaycal=numpy_calendar(policy))
    cal = calendar_for(policy)
    ours = [cal.add_business_days(day, n) for day in starts_.tolist()]
    assert ours == expected.tolist()

"""Memoised counts: the date and range errors come at once, the derivation when read, the same for a repeat."""

from __future__ import annotations

from dataclasses import FrozenInstanceError
from datetime import date

import pytest

from timelines.calendar import calendar_for
from timelines.counting import Count, count_business_days, count_calendar_days
from timelines.span import CalendarRangeError

ACTUAL, OBSERVED = calendar_for("us-6103a"), calendar_for("us-6103a-observed")


def test_a_repeated_count_is_the_same_value() -> None:
    first = count_business_days(ACTUAL, date(2026, 7, 2), 5, label="application received")
    assert count_business_days(ACTUAL, date(2026, 7, 2), 5, label="application received") is first
    # Another calendar, length or label is another count.
    assert count_business_days(OBSERVED, date(2026, 7, 2), 5, label="application received").due == date(2026, 7, 10)
    assert count_business_days(ACTUAL, date(2026, 7, 2), 5, label="x").steps[0] == "day 0 Thu 2026-07-02 (x)"


def test_a_recipe_count_equals_the_count_written_out() -> None:
    counted = count_calendar_days(ACTUAL, date(2026, 6, 1), 30, label="notice")
    written = Count(due=counted.due, steps=counted.steps)
    assert counted == written and hash(counted) == hash(written)
    assert counted.lines() == counted.steps == written.steps
    assert repr(counted) == repr(written) == f"Count(due={counted.due!r}, steps={counted.steps!r})"
    assert counted != Count(due=counted.due, steps=counted.steps[:-1])


def test_counts_are_immutable() -> None:
    counted = count_calendar_days(ACTUAL, date(2026, 6, 1), 30, label="notice")
    with pytest.raises(FrozenInstanceError):
        counted.due = date(2026, 1, 1)  # type: ignore[misc]


def test_range_errors_are_raised_by_the_count_not_by_reading_it() -> None:
    with pytest.raises(CalendarRangeError):
        count_calendar_days(ACTUAL, date(2045, 12, 20), 30, label="x")
    with pytest.raises(CalendarRangeError):
        count_business_days(ACTUAL, date(2045, 12, 28), 5, label="x")
    with pytest.raises(ValueError, match="negative"):
        count_calendar_days(ACTUAL, date(2026, 6, 1), -1, label="x")


def test_a_count_is_never_equal_to_another_kind_of_value() -> None:
    counted = count_calendar_days(ACTUAL, date(2026, 6, 1), 1, label="")
    assert counted != (counted.due, counted.steps)
    assert counted.__eq__(counted.due) is NotImplemented


def test_the_memo_is_bounded_and_answers_the_same_once_emptied(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("timelines.counting._MEMO_LIMIT", 1)
    for counter in (count_calendar_days, count_business_days):
        first = counter(ACTUAL, date(2026, 6, 1), 10, label="bounded")
        counter(ACTUAL, date(2026, 6, 2), 10, label="bounded")  # over the limit: the memo starts again
        again = counter(ACTUAL, date(2026, 6, 1), 10, label="bounded")
        assert again is not first and again == first

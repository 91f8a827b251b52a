"""Derivations: every counted or skipped day is written out, so a reader can reproduce the due date."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from timelines.calendar import BusinessCalendar, calendar_for
from timelines.counting import Count, count_business_days, count_calendar_days, weekday_label
from timelines.span import CalendarRangeError

ACTUAL, OBSERVED = calendar_for("us-6103a"), calendar_for("us-6103a-observed")


def test_weekday_label() -> None:
    assert weekday_label(date(2026, 7, 2)) == "Thu 2026-07-02"
    assert weekday_label(date(2026, 7, 5)) == "Sun 2026-07-05"


def test_ack_notice_derivation_actual_dates() -> None:
    """1024.41(b)(2)(i)(B): Thu 2026-07-02 + 5 rxbd; the observed Friday counts (rulebook §6.2)."""
    count = count_business_days(ACTUAL, date(2026, 7, 2), 5, label="application received")
    assert count == Count(
        due=date(2026, 7, 9),
        steps=(
            "day 0 Thu 2026-07-02 (application received)",
            "day 1 Fri 2026-07-03",
            "skip Sat 2026-07-04 (Saturday; Independence Day)",
            "skip Sun 2026-07-05 (Sunday)",
            "day 2 Mon 2026-07-06",
            "day 3 Tue 2026-07-07",
            "day 4 Wed 2026-07-08",
            "day 5 Thu 2026-07-09",
        ),
    )


def test_ack_notice_derivation_observed_days() -> None:
    """The alternative reading (CONTRACT §4) names the observed day it skips."""
    count = count_business_days(OBSERVED, date(2026, 7, 2), 5, label="application received")
    assert count.due == date(2026, 7, 10)
    assert count.steps[1] == "skip Fri 2026-07-03 (Independence Day (observed))"
    assert count.steps[-1] == "day 5 Fri 2026-07-10"


def test_weekday_holiday_is_named() -> None:
    steps = count_business_days(ACTUAL, date(2026, 9, 4), 1, label="error notice received").steps
    assert steps == (
        "day 0 Fri 2026-09-04 (error notice received)",
        "skip Sat 2026-09-05 (Saturday)",
        "skip Sun 2026-09-06 (Sunday)",
        "skip Mon 2026-09-07 (Labor Day)",
        "day 1 Tue 2026-09-08",
    )


def test_zero_days_and_no_label() -> None:
    assert count_business_days(ACTUAL, date(2026, 7, 4), 0, label="") == Count(
        due=date(2026, 7, 4), steps=("day 0 Sat 2026-07-04",)
    )


def test_business_count_out_of_range_raises() -> None:
    with pytest.raises(CalendarRangeError):
        count_business_days(ACTUAL, date(2045, 12, 28), 5, label="x")
    with pytest.raises(ValueError, match="negative"):
        count_business_days(ACTUAL, date(2026, 7, 2), -1, label="x")


def test_calendar_day_count_on_a_sunday_does_not_roll_forward() -> None:
    """1024.41(c)(1) + 1024.31 ("day" means calendar day); rulebook §2.3: no roll-forward, send by Friday."""
    count = count_calendar_days(ACTUAL, date(2026, 10, 30), 30, label="application completed")
    assert count == Count(
        due=date(2026, 11, 29),
        steps=(
            "day 0 Fri 2026-10-30 (application completed)",
            '+ 30 calendar days (12 CFR 1024.31: "day" means calendar day)',
            "day 30 Sun 2026-11-29",
            "no roll-forward: Reg X has none; last business day on or before is Fri 2026-11-27",
        ),
    )


def test_calendar_day_count_on_a_business_day_has_no_send_by_line() -> None:
    count = count_calendar_days(ACTUAL, date(2026, 1, 1), 36, label="payment due")
    assert count.steps == (
        "day 0 Thu 2026-01-01 (payment due)",
        '+ 36 calendar days (12 CFR 1024.31: "day" means calendar day)',
        "day 36 Fri 2026-02-06",
    )


def test_one_calendar_day_is_singular() -> None:
    count = count_calendar_days(ACTUAL, date(2026, 7, 2), 1, label="")
    assert count.steps == (
        "day 0 Thu 2026-07-02",
        '+ 1 calendar day (12 CFR 1024.31: "day" means calendar day)',
        "day 1 Fri 2026-07-03",
    )


def test_observed_policy_send_by_skips_the_observed_day() -> None:
    count = count_calendar_days(OBSERVED, date(2026, 6, 4), 30, label="x")
    assert count.due == date(2026, 7, 4)
    assert count.steps[-1].endswith("last business day on or before is Thu 2026-07-02")


@pytest.mark.parametrize(
    ("start", "n"), [(date(1999, 12, 31), 30), (date(2045, 12, 20), 30), (date(2046, 1, 1), 0)], ids=str
)
def test_calendar_count_refuses_either_end_outside_the_calendar(start: date, n: int) -> None:
    with pytest.raises(CalendarRangeError):
        count_calendar_days(ACTUAL, start, n, label="x")


def test_calendar_count_refuses_negative_days() -> None:
    with pytest.raises(ValueError, match="negative"):
        count_calendar_days(ACTUAL, date(2026, 7, 2), -1, label="x")


@given(
    start=st.dates(min_value=date(2000, 1, 1), max_value=date(2045, 6, 30)),
    n=st.integers(min_value=0, max_value=45),
    observed=st.booleans(),
)
def test_the_derivation_reproduces_the_date(start: date, n: int, observed: bool) -> None:
    """One line per day from day 0 to due; exactly n counted lines, the last one the due date."""
    cal = OBSERVED if observed else ACTUAL
    count = count_business_days(cal, start, n, label="trigger")
    counted = [step for step in count.steps[1:] if step.startswith("day ")]
    assert len(count.steps) == (count.due - start).days + 1
    assert counted == [f"day {k} {weekday_label(d)}" for k, d in _business_days(cal, start, n)]
    assert count.steps[-1].startswith(f"day {n} {weekday_label(count.due)}")


def _business_days(cal: BusinessCalendar, start: date, n: int) -> list[tuple[int, date]]:
    return [(k, cal.add_business_days(start, k)) for k in range(1, n + 1)]

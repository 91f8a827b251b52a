"""The holiday data behind the calendars: the checked-in golden list and the 5 U.S.C. 6103(a) rules.

`us_legal_holidays_2000_2045.json` lists every holiday each policy excludes. If an upgrade of the pinned
`holidays` package moves, adds or renames a date, `test_package_still_matches_the_golden_file` fails.
To accept a reviewed change, regenerate the file and review the diff:

    .venv/bin/python -m tests.timelines.regen_holidays
"""

from __future__ import annotations

import json
from datetime import date, timedelta

import holidays
import pytest

from timelines.calendar import POLICIES, calendar_for, legal_public_holidays
from timelines.span import FIRST_YEAR, LAST_YEAR

from .regen_holidays import GOLDEN_FILE, excluded_holidays, render

SPAN_START, SPAN_END = date(FIRST_YEAR, 1, 1), date(LAST_YEAR, 12, 31)
YEARS = range(FIRST_YEAR, LAST_YEAR + 1)


def _golden() -> dict[str, dict[str, str]]:
    return json.loads(GOLDEN_FILE.read_text(encoding="utf-8"))["policies"]


def _nth_weekday(year: int, month: int, weekday: int, nth: int) -> date:
    first = date(year, month, 1)
    return first + timedelta(days=(weekday - first.weekday()) % 7 + 7 * (nth - 1))


def _last_monday_of_may(year: int) -> date:
    last = date(year, 5, 31)
    return last - timedelta(days=last.weekday())


def statutory_dates(year: int) -> dict[date, str]:
    """An independent generator of the 6103(a) actual dates (rulebook §6.1), as an oracle for the package."""
    mon, thu = 0, 3
    table = {
        date(year, 1, 1): "New Year's Day",
        _nth_weekday(year, 1, mon, 3): "Martin Luther King Jr. Day",
        _nth_weekday(year, 2, mon, 3): "Washington's Birthday",
        _last_monday_of_may(year): "Memorial Day",
        date(year, 7, 4): "Independence Day",
        _nth_weekday(year, 9, mon, 1): "Labor Day",
        _nth_weekday(year, 10, mon, 2): "Columbus Day",
        date(year, 11, 11): "Veterans Day",
        _nth_weekday(year, 11, thu, 4): "Thanksgiving Day",
        date(year, 12, 25): "Christmas Day",
    }
    if year >= 2021:  # Pub. L. 117-17 (2021-06-17) added Juneteenth
        table[date(year, 6, 19)] = "Juneteenth National Independence Day"
    return table


def observed_substitutes(actual: dict[date, str]) -> dict[date, str]:
    """6103(b) / E.O. 11582: Saturday holidays observed on Friday, Sunday holidays on Monday."""
    shift = {5: -1, 6: 1}
    return {
        day + timedelta(days=shift[day.weekday()]): f"{name} (observed)"
        for day, name in actual.items()
        if day.weekday() in shift
    }


def test_package_still_matches_the_golden_file() -> None:
    """A `holidays` upgrade that moves any Reg X holiday fails here, loudly, before it moves a deadline."""
    assert excluded_holidays() == _golden()


def test_golden_file_text_is_exactly_what_the_script_writes() -> None:
    assert GOLDEN_FILE.read_text(encoding="utf-8") == render()


@pytest.mark.parametrize("policy", sorted(POLICIES))
def test_calendar_excludes_exactly_the_golden_holidays(policy: str) -> None:
    cal = calendar_for(policy)
    every_day = (SPAN_START + timedelta(days=i) for i in range((SPAN_END - SPAN_START).days + 1))
    named = {day.isoformat(): cal.holiday_name(day) for day in every_day if cal.holiday_name(day)}
    assert named == _golden()[policy]
    # holidays_between covers (start, end], so it lists all but a holiday on the first day of the span.
    listed = {day.isoformat(): name for day, name in cal.holidays_between(SPAN_START, SPAN_END)}
    assert listed == {day: name for day, name in named.items() if day != SPAN_START.isoformat()}


def test_pinned_version_is_the_one_the_rulebook_checked() -> None:
    # Rulebook §7 verified 0.109; pyproject pins it. A new version needs a regenerated, reviewed golden file.
    assert holidays.__version__ == "0.109"


def test_actual_date_policy_is_exactly_the_eleven_statutory_holidays() -> None:
    """5 U.S.C. 6103(a): the actual dates only (rulebook §6.2), checked against an independent generator."""
    expected = {day: name for year in YEARS for day, name in statutory_dates(year).items()}
    assert legal_public_holidays(POLICIES["us-6103a"]) == expected


def test_observed_policy_adds_exactly_the_friday_and_monday_substitutes() -> None:
    """us-6103a-observed (CONTRACT §4): the actual dates plus the 6103(b)/E.O. 11582 substitutes."""
    years = range(FIRST_YEAR - 1, LAST_YEAR + 2)
    actual = {day: name for year in years for day, name in statutory_dates(year).items()}
    expected = {**actual, **observed_substitutes(actual)}
    in_span = {day: name for day, name in expected.items() if SPAN_START <= day <= SPAN_END}
    assert legal_public_holidays(POLICIES["us-6103a-observed"]) == dict(sorted(in_span.items()))


@pytest.mark.parametrize(("year", "count"), [(2000, 10), (2020, 10), (2021, 11), (2022, 11), (2045, 11)])
def test_holidays_per_year(year: int, count: int) -> None:
    """Ten holidays before Juneteenth existed, eleven from 2021 (Pub. L. 117-17)."""
    table = legal_public_holidays(POLICIES["us-6103a"])
    assert sum(1 for day in table if day.year == year) == count


def test_cross_year_observed_new_years_day_is_kept() -> None:
    """New Year's Day 2022 fell on a Saturday; it is observed on Fri 2021-12-31 (the cross-year trap, §7)."""
    assert calendar_for("us-6103a-observed").holiday_name(date(2021, 12, 31)) == "New Year's Day (observed)"
    assert calendar_for("us-6103a").holiday_name(date(2021, 12, 31)) is None


def test_observed_day_before_the_span_is_dropped() -> None:
    """2000-01-01 was a Saturday: its observed Friday, 1999-12-31, is outside the calendar and not listed."""
    table = legal_public_holidays(POLICIES["us-6103a-observed"])
    assert min(table) == date(2000, 1, 1)
    assert max(table) <= SPAN_END


@pytest.mark.parametrize(
    ("day", "why"),
    [
        (date(2021, 1, 20), "Inauguration Day is a 6103(c) holiday for the Washington area only"),
        (date(2025, 1, 9), "national day of mourning: an executive-order closure"),
        (date(2025, 12, 24), "Christmas Eve 2025: an executive-order closure"),
        (date(2025, 12, 26), "day after Christmas 2025: an executive-order closure"),
        (date(2024, 11, 29), "day after Thanksgiving: the servicer may close, the day still counts (§2.1)"),
    ],
)
def test_closures_that_are_not_legal_public_holidays(day: date, why: str) -> None:
    for policy in POLICIES:
        assert calendar_for(policy).holiday_name(day) is None, why
        assert calendar_for(policy).is_business_day(day), why


def test_inauguration_day_on_mlk_day_carries_only_the_statutory_name() -> None:
    """2025-01-20 was both; the national calendar (no DC subdivision) names only the 6103(a) holiday."""
    assert calendar_for("us-6103a").holiday_name(date(2025, 1, 20)) == "Martin Luther King Jr. Day"

"""The envelope checks of a proposed event: dates in the future are judged in the case's own time zone."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from compliance.envelope import EventRejected, _check_future, validate_event

ZONES = [ZoneInfo(name) for name in ("Pacific/Kiritimati", "Pacific/Pago_Pago", "America/New_York",
                                     "America/Los_Angeles", "Asia/Tokyo", "UTC", "Pacific/Honolulu")]
OFFSETS = st.integers(min_value=-23 * 60, max_value=23 * 60).map(lambda m: timezone(timedelta(minutes=m)))


@given(
    occurred=st.dates(min_value=date(2025, 12, 20), max_value=date(2026, 1, 10)),
    now=st.datetimes(min_value=datetime(2025, 12, 25), max_value=datetime(2026, 1, 5), timezones=OFFSETS),
    skew=st.integers(min_value=0, max_value=3600).map(lambda s: timedelta(seconds=s)),
    zone=st.sampled_from(ZONES),
)
def test_a_date_is_future_exactly_when_it_is_after_today_in_the_cases_zone(
    occurred: date, now: datetime, skew: timedelta, zone: ZoneInfo
) -> None:
    # The check skips the zone conversion for dates well in the past; the verdict must not change.
    future = occurred > (now + skew).astimezone(zone).date()
    assert (_check_future(occurred, now, skew, zone) is not None) == future


def test_an_event_dated_today_in_its_zone_is_accepted_and_tomorrow_is_not() -> None:
    now = datetime(2026, 7, 10, 2, 30, tzinfo=UTC)  # 9 July, 19:30 in Los Angeles
    west = ZoneInfo("America/Los_Angeles")
    event = {"type": "note_added", "occurred_at": "2026-07-09", "data": {"text": "called"}}
    assert validate_event(event, now=now, zone=west).occurred_at == date(2026, 7, 9)
    with pytest.raises(EventRejected, match="future"):
        validate_event({**event, "occurred_at": "2026-07-10"}, now=now, zone=west)
    assert validate_event({**event, "occurred_at": "2026-07-10"}, now=now, zone=ZoneInfo("Asia/Tokyo"))

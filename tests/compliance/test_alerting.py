"""When a deadline passes (local midnight, DST-safe), reminders, alert ids, routing and resolution."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from compliance.alerting import (
    ClockState,
    alert_id,
    approaching_lead,
    digest_id,
    escalation_due,
    is_past,
    local_today,
    passes_at,
    recipients_for,
    resolution,
    start_of_day,
)
from timelines.calendar import calendar_for

NY = ZoneInfo("America/New_York")
CAL = calendar_for("us-6103a")
ZONES = ["America/New_York", "America/Chicago", "America/Los_Angeles", "Pacific/Honolulu", "America/Havana",
         "America/Santiago", "Asia/Beirut", "Australia/Lord_Howe", "UTC"]


@pytest.mark.parametrize(
    ("due", "passes"),
    [
        (date(2026, 7, 9), datetime(2026, 7, 10, 4, 0, tzinfo=UTC)),  # EDT: local midnight is 04:00 UTC
        (date(2026, 1, 9), datetime(2026, 1, 10, 5, 0, tzinfo=UTC)),  # EST: 05:00 UTC
        # DST starts Sun 2026-03-08 02:00: a deadline due Sat 03-07 passes at EST midnight, one due on the
        # Sunday at EDT midnight; the offset changed between them.
        (date(2026, 3, 7), datetime(2026, 3, 8, 5, 0, tzinfo=UTC)),
        (date(2026, 3, 8), datetime(2026, 3, 9, 4, 0, tzinfo=UTC)),
        # DST ends Sun 2026-11-01 02:00: the 25-hour day.
        (date(2026, 10, 31), datetime(2026, 11, 1, 4, 0, tzinfo=UTC)),
        (date(2026, 11, 1), datetime(2026, 11, 2, 5, 0, tzinfo=UTC)),
    ],
)
def test_a_deadline_passes_at_the_end_of_its_due_date_in_the_case_zone(due: date, passes: datetime) -> None:
    assert passes_at(due, NY) == passes
    assert not is_past(due, passes - timedelta(microseconds=1), NY)
    assert is_past(due, passes, NY)


def test_where_local_midnight_is_skipped_the_day_starts_at_the_transition() -> None:
    havana = ZoneInfo("America/Havana")  # 2026-03-08 00:00 does not exist: clocks jump to 01:00
    start = start_of_day(date(2026, 3, 8), havana)
    assert start == datetime(2026, 3, 8, 5, 0, tzinfo=UTC)
    assert start.astimezone(havana).date() == date(2026, 3, 8)
    assert (start - timedelta(microseconds=1)).astimezone(havana).date() == date(2026, 3, 7)


@given(day=st.dates(min_value=date(2020, 1, 2), max_value=date(2040, 12, 30)), zone=st.sampled_from(ZONES))
def test_start_of_day_is_the_first_instant_of_that_local_date(day: date, zone: str) -> None:
    tz = ZoneInfo(zone)
    start = start_of_day(day, tz)
    assert start.astimezone(tz).date() == day
    assert (start - timedelta(microseconds=1)).astimezone(tz).date() < day


def test_local_today_needs_an_aware_instant() -> None:
    with pytest.raises(ValueError, match="aware"):
        local_today(datetime(2026, 7, 10, 12), NY)


@pytest.mark.parametrize(
    ("today", "lead"),
    [
        (date(2026, 7, 14), None),  # Tue: Wed, Thu, Fri are 3 business days left
        (date(2026, 7, 15), 2),  # Wed: 2 business days before Fri 07-17
        (date(2026, 7, 16), 2),  # Thu: 1 left, still the 2-day reminder
        (date(2026, 7, 17), 0),  # the due date itself
        (date(2026, 7, 18), None),  # passed: the breach scan's business
    ],
)
def test_approaching_reminders_two_business_days_before_and_on_the_due_date(today: date, lead: int | None) -> None:
    assert approaching_lead(date(2026, 7, 17), today, CAL, (2, 0)) == lead


def test_the_reminder_window_counts_business_days_of_the_case_calendar() -> None:
    # Due Tue 2026-09-08; Mon 09-07 is Labor Day: on Thu 09-03 only Fri 09-04 and Tue 09-08 are left.
    assert approaching_lead(date(2026, 9, 8), date(2026, 9, 3), CAL, (2, 0)) == 2
    assert approaching_lead(date(2026, 9, 8), date(2026, 9, 2), CAL, (2, 0)) is None


def test_alert_ids_are_stable_and_distinct_per_level_due_and_lead() -> None:
    ids = {alert_id("lm_ack_notice:e1", level, date(2026, 7, 9), lead)
           for level, lead in [("breached", 0), ("escalated", 0), ("approaching", 2), ("approaching", 0)]}
    assert len(ids) == 4
    assert alert_id("c", "breached", date(2026, 7, 9)) == alert_id("c", "breached", date(2026, 7, 9))
    assert alert_id("c", "breached", date(2026, 7, 9)) != alert_id("c", "breached", date(2026, 7, 10))
    assert digest_id("m1", date(2026, 7, 9)) != digest_id("m1", date(2026, 7, 10))


def test_routing_by_manager_else_the_fallback() -> None:
    assert recipients_for("m-7", fallback=["desk"]) == ("m-7",)
    assert recipients_for(None, fallback=["desk", "lead"]) == ("desk", "lead")


def test_escalation_after_the_configured_wait() -> None:
    raised = datetime(2026, 7, 10, 4, tzinfo=UTC)
    assert not escalation_due(raised, raised + timedelta(hours=23, minutes=59), timedelta(hours=24))
    assert escalation_due(raised, raised + timedelta(hours=24), timedelta(hours=24))


DUE = date(2026, 7, 9)


@pytest.mark.parametrize(
    ("level", "clock", "reason"),
    [
        ("breached", ClockState(exists=True, status="open", due=DUE, passed=True), None),
        ("breached", ClockState(exists=True, status="breached", due=DUE, passed=True), None),
        ("breached", ClockState(exists=True, status="breached", met_by="e9", due=DUE, passed=True), "met_late"),
        ("breached", ClockState(exists=True, status="cancelled", due=DUE), "cancelled"),
        ("breached", ClockState(exists=False), "cancelled"),
        ("breached", ClockState(exists=True, status="open", due=date(2026, 7, 10)), "superseded"),
        ("escalated", ClockState(exists=True, status="breached", due=DUE, case_open=False), "case_closed"),
        ("breached", ClockState(exists=True, status="cancelled", due=DUE, case_open=False), "case_closed"),
        ("approaching", ClockState(exists=True, status="met", met_by="e9", due=DUE), "met"),
        ("approaching", ClockState(exists=True, status="open", due=DUE, passed=True), "breached"),
        ("approaching", ClockState(exists=True, status="open", due=DUE), None),
    ],
)
def test_resolution(level: str, clock: ClockState, reason: str | None) -> None:
    assert resolution(level, DUE, clock) == reason

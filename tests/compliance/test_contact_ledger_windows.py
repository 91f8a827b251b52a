"""1006.14(b)(2)(i)(A) call windows: the ledger's bisection answers as the plain 7-day scan, zones mixed."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from compliance.casefile import parse_casefile
from compliance.contact_ledger import PERIOD, ContactEntry, contact_ledger
from compliance.engine import evaluate
from tests.compliance.factories import casefile, event
from timelines.calendar import calendar_for

START = datetime(2026, 3, 2, tzinfo=UTC)
# Far apart zones make a later call fall on an earlier local day (Tokyo evening, then Los Angeles morning).
ZONES = ("Asia/Tokyo", "America/Los_Angeles", "America/New_York", None)


@st.composite
def contacts(draw: st.DrawFn) -> list[dict[str, Any]]:
    """Calls and other contacts to two parties, hours apart, each maybe with its own borrower time zone."""
    out, moment = [], START
    for _ in range(draw(st.integers(min_value=1, max_value=14))):
        moment += timedelta(minutes=draw(st.integers(min_value=0, max_value=60 * 40)))
        zone = draw(st.sampled_from(ZONES))
        data: dict[str, Any] = {
            "channel": draw(st.sampled_from(("phone", "phone", "email"))),
            "direction": draw(st.sampled_from(("outbound", "outbound", "inbound"))),
            "outcome": draw(st.sampled_from(("no_answer", "busy", "live_contact"))),
            "party": draw(st.sampled_from(("borrower", "co_borrower"))), "staff_id": "S-1",
        }
        if zone is not None:
            data["borrower_timezone"] = zone
        out.append(event("contact_logged", moment.isoformat(), **data))
    return out


def _ledger(history: list[dict[str, Any]]) -> tuple[ContactEntry, ...]:
    parsed = parse_casefile(casefile(*history, as_of="2026-06-30"), default_as_of=date(2026, 6, 30))
    ev = evaluate(parsed.case_id, parsed.profile, parsed.events, calendar_for(parsed.calendar), parsed.as_of)
    return contact_ledger(ev)


def _scan(entries: tuple[ContactEntry, ...]) -> list[tuple[tuple[str, ...], int]]:
    """The window as first written: every outbound call so far to the party, on a local day in [day - 6, day]."""
    placed: dict[str, list[tuple[date, str, bool]]] = {}
    out = []
    for entry in entries:
        calls = placed.setdefault(entry.party, [])
        if entry.is_call:
            calls.append((entry.local_day, entry.contact.id, entry.contact.data.outcome == "busy"))  # type: ignore[attr-defined]
        window = [(c, busy) for d, c, busy in calls if entry.local_day - PERIOD <= d <= entry.local_day]
        out.append((tuple(c for c, _ in window), sum(busy for _, busy in window)))
    return out


@settings(max_examples=150, deadline=None)
@given(history=contacts())
def test_call_windows_match_the_scan_whatever_the_zones(history: list[dict[str, Any]]) -> None:
    entries = _ledger(history)
    got = [(tuple(c.id for c in e.calls_in_window), e.busy_in_window) for e in entries]
    assert got == _scan(entries)


def test_a_later_call_can_fall_on_an_earlier_local_day() -> None:
    """The case the bisection must not assume away: local days out of order for one party."""
    tokyo = datetime(2026, 3, 9, 15, 30, tzinfo=UTC)  # 00:30 on 3/10 in Tokyo
    los_angeles = tokyo + timedelta(hours=1)  # 09:30 on 3/9 in Los Angeles: later, yet a day earlier
    calls = [(tokyo, "Asia/Tokyo", "no_answer"), (los_angeles, "America/Los_Angeles", "busy"),
             (tokyo + timedelta(days=6), "America/New_York", "no_answer")]
    history = [event("contact_logged", at.isoformat(), channel="phone", direction="outbound", outcome=outcome,
                     party="borrower", staff_id="S-1", borrower_timezone=zone) for at, zone, outcome in calls]
    entries = _ledger(history)
    assert [e.local_day for e in entries] == [date(2026, 3, 10), date(2026, 3, 9), date(2026, 3, 15)]
    got = [(tuple(c.id for c in e.calls_in_window), e.busy_in_window) for e in entries]
    assert got == _scan(entries)
    assert [len(window) for window, _ in got] == [1, 1, 3] and [busy for _, busy in got] == [0, 1, 1]

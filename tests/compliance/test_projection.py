"""The pure projection: stored rows evaluated at any later date agree with the engine run at that date."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings

from compliance.casefile import CaseFile, parse_casefile
from compliance.clock import Clock, Trigger
from compliance.engine import compute_clocks
from compliance.history import effective_history
from compliance.projection import ClockRow, effective_status, project, settled_status
from tests.compliance.golden import load_cases
from tests.conftest import GOLDEN_DIR
from tests.histories import OPENED, ev, histories
from timelines.calendar import calendar_for

CASES = load_cases(GOLDEN_DIR) if (GOLDEN_DIR / "cases.jsonl").exists() else []
LATER = (0, 1, 2, 3, 5, 8, 13, 30, 45, 90, 130, 200, 400)


def _parsed(events: list[dict[str, Any]], **case: Any) -> CaseFile:
    raw = {"case": {"id": "C-P", **OPENED, **case}, "calendar": "us-6103a", "events": events}
    return parse_casefile(raw, default_as_of=date(2026, 7, 10))


def _disagreements(parsed: CaseFile) -> list[str]:
    """Clocks whose stored row, evaluated on day d, differs from compute_clocks(as_of=d), for d after the facts."""
    calendar = calendar_for(parsed.calendar)
    rows = {row.clock_id: row for row in project(parsed.case_id, parsed.profile, parsed.events, calendar).clocks}
    known = max((e.on for e in effective_history(parsed.events, ZoneInfo(parsed.profile.timezone)).events),
                default=parsed.as_of)
    known = max(known, *(e.on for e in parsed.events)) if parsed.events else known
    zone = ZoneInfo(parsed.profile.timezone)
    found = []
    for later in LATER:
        day = known + timedelta(days=later)
        clocks = compute_clocks(parsed.case_id, parsed.profile, parsed.events, calendar, day)
        if {c.id for c in clocks} != set(rows):
            found.append(f"{day}: clock ids differ")
        now = datetime.combine(day, time(12), tzinfo=zone)
        found += [f"{day} {c.id}: engine {c.status}, row {effective_status(rows[c.id], now)}"
                  for c in clocks if c.id in rows and effective_status(rows[c.id], now) != c.status
                  and not _closing_quirk(c, rows[c.id])]
    return found


def _closing_quirk(clock: Clock, row: ClockRow) -> bool:
    """Reported to the rule engine: after a case closed, a window or bar that closing cancelled reads as met
    once its date has passed (compliance.closure judges it running only before that date); the row keeps
    cancelled."""
    return row.status == "cancelled" and clock.status == "met" and clock.kind in ("window", "bar")


@pytest.mark.parametrize("case", CASES, ids=[str(c["id"]) for c in CASES])
def test_golden_rows_agree_with_the_engine_on_every_later_day(case: dict[str, Any]) -> None:
    parsed = parse_casefile(case["casefile"], default_as_of=date(2026, 7, 10))
    assert _disagreements(parsed) == []


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(history=histories())
def test_random_rows_agree_with_the_engine_on_every_later_day(history: list[dict[str, Any]]) -> None:
    assert _disagreements(_parsed(history)) == []


def _clock(kind: str, status: str, **dates: Any) -> Clock:
    return Clock(id="r:e1", rule="r", citation="c", kind=kind,  # type: ignore[arg-type]
                 trigger=Trigger("e1", "t", date(2026, 7, 1)), status=status, calendar="us-6103a", **dates)


@pytest.mark.parametrize(
    ("clock", "stored"),
    [
        (_clock("deadline", "breached", due=date(2026, 7, 9)), "open"),  # the date did it
        (_clock("deadline", "breached", due=date(2026, 7, 9), met_by="e2"), "breached"),  # met late: an event did
        (_clock("deadline", "met", due=date(2026, 7, 9), met_by="e2"), "met"),
        (_clock("window", "met", closes=date(2026, 7, 15)), "open"),
        (_clock("window", "met", closes=date(2026, 7, 15), met_by="e3"), "met"),
        (_clock("bar", "met", not_before=date(2026, 9, 30)), "open"),
        (_clock("bar", "breached", not_before=date(2026, 9, 30)), "breached"),
        (_clock("check", "breached"), "breached"),
        (_clock("deadline", "cancelled", due=date(2026, 7, 9)), "cancelled"),
    ],
)
def test_settled_status_keeps_what_events_decide(clock: Clock, stored: str) -> None:
    assert settled_status(clock) == stored


def _rows(events: list[dict[str, Any]]) -> dict[str, Any]:
    parsed = _parsed(events)
    projection = project(parsed.case_id, parsed.profile, parsed.events, calendar_for("us-6103a"))
    return {"summary": projection.summary, **{row.rule: row for row in projection.clocks}}


def test_an_unmet_deadline_is_open_with_the_instant_its_breach_is_due() -> None:
    row = _rows([ev("application_received", "2026-07-02", application_id="A1")])["lm_ack_notice"]
    assert (row.status, row.due, row.breach_recorded) == ("open", date(2026, 7, 9), False)
    assert row.breach_at == datetime(2026, 7, 10, 4, 0, tzinfo=UTC)  # midnight EDT after the due date


def test_a_recorded_breach_is_stored_breached_with_nothing_left_to_record() -> None:
    rows = _rows([
        ev("application_received", "2026-07-02", event_id="e1", application_id="A1"),
        ev("deadline_breached", "2026-07-10", clock_id="lm_ack_notice:e1", rule="lm_ack_notice", due="2026-07-09"),
    ])
    row = rows["lm_ack_notice"]
    assert (row.status, row.breach_recorded, row.breach_at) == ("breached", True, None)


def test_a_deadline_met_late_still_has_its_breach_to_record() -> None:
    row = _rows([
        ev("application_received", "2026-07-02", application_id="A1"),
        ev("application_acknowledged", "2026-07-10", application_id="A1", complete=False),
    ])["lm_ack_notice"]
    assert (row.status, row.met_on) == ("breached", date(2026, 7, 10))
    assert row.breach_at == datetime(2026, 7, 10, 4, 0, tzinfo=UTC)


def test_a_case_closed_before_the_due_date_can_no_longer_breach_it() -> None:
    rows = _rows([
        ev("application_received", "2026-07-02", application_id="A1"),
        ev("case_closed", "2026-07-06", reason="paid_off"),
    ])
    assert rows["summary"].status == "closed"
    assert rows["summary"].open_application_id is None
    assert rows["lm_ack_notice"].breach_at is None


def test_summary_facts_from_the_effective_history() -> None:
    summary = _rows([
        ev("payment_missed", "2026-05-01", due_date="2026-05-01"),
        ev("payment_missed", "2026-06-01", due_date="2026-06-01"),
        ev("installment_paid", "2026-06-10", due_date="2026-05-01"),
        ev("case_assigned", "2026-06-02", team="T1", staff_id="s1", manager_id="m1"),
        ev("case_assigned", "2026-06-20", team="T2", staff_id="s2", manager_id="m2"),
        ev("foreclosure_sale_scheduled", "2026-06-25", sale_date="2026-10-01"),
        ev("application_received", "2026-07-01", application_id="A1"),
    ])["summary"]
    assert (summary.oldest_unpaid_due, summary.unpaid_installments) == (date(2026, 6, 1), 1)
    assert (summary.team, summary.staff_id, summary.manager_id) == ("T2", "s2", "m2")
    assert (summary.sale_date, summary.open_application_id, summary.status) == (date(2026, 10, 1), "A1", "open")


def test_a_denied_application_is_no_longer_open_until_appealed() -> None:
    decided = [ev("application_received", "2026-06-01", application_id="A1"),
               ev("evaluation_decided", "2026-06-20", application_id="A1", outcome="denial")]
    assert _rows(decided)["summary"].open_application_id is None
    appealed = [*decided, ev("appeal_received", "2026-06-25", application_id="A1")]
    assert _rows(appealed)["summary"].open_application_id == "A1"

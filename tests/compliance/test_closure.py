"""Closing a case (case_closed) stops running clocks; breaches that happened before the close remain."""

from __future__ import annotations

from tests.compliance.factories import clock, event, given

RECEIPT = event("application_received", "2026-07-02", application_id="A1")


def test_open_deadline_is_cancelled_when_the_case_closes() -> None:
    """A paid-off loan owes no acknowledgment after it is closed (nothing is owed after closing)."""
    clocks = given(RECEIPT).when(event("case_closed", "2026-07-06", reason="paid_off")).on("2026-07-20")
    ack = clock(clocks, "lm_ack_notice")
    assert ack["status"] == "cancelled"
    assert ack["reason"] == "case closed (paid_off)"
    assert ack["derivation"][-1].startswith("cancelled: case closed on 2026-07-06")


def test_breach_before_the_close_stays_breached() -> None:
    """12 CFR 1024.41(b)(2)(i)(B): the ack was due 2026-07-09; closing on 07-15 does not erase the breach."""
    clocks = given(RECEIPT).when(event("case_closed", "2026-07-15", reason="cured")).on("2026-07-20")
    assert clock(clocks, "lm_ack_notice")["status"] == "breached"


def test_met_clock_is_untouched_by_the_close() -> None:
    ack = event("application_acknowledged", "2026-07-06", application_id="A1", complete=True)
    clocks = given(RECEIPT, ack).when(event("case_closed", "2026-07-08", reason="modified")).on("2026-07-20")
    assert clock(clocks, "lm_ack_notice")["status"] == "met"


def test_clock_triggered_after_the_close_is_judged_normally() -> None:
    later = event("application_received", "2026-07-10", application_id="A2")
    clocks = given(event("case_closed", "2026-07-06", reason="other")).when(later).on("2026-07-13")
    assert clock(clocks, "lm_ack_notice")["status"] == "open"

"""Given/when/then: notices of error (12 CFR 1024.35) and requests for information (1024.36)."""

from __future__ import annotations

from typing import Any

from tests.compliance.factories import clock, event, given


def noe(on: str, category: str = "other", request_id: str = "E1") -> dict[str, Any]:
    return event("error_notice_received", on, request_id=request_id, category=category)


def rfi(on: str, category: str = "other", request_id: str = "R1") -> dict[str, Any]:
    return event("information_request_received", on, request_id=request_id, category=category)


def act(kind: str, on: str, request_id: str = "E1", event_id: str | None = None) -> dict[str, Any]:
    return event(kind, on, event_id=event_id, request_id=request_id)


def sale(on: str, sale_date: str) -> dict[str, Any]:
    return event("foreclosure_sale_scheduled", on, sale_date=sale_date)


def one(clocks: list[dict[str, Any]], rule: str, on: str | None = None) -> dict[str, Any]:
    return clock(clocks, rule, on=on)


# --- 1024.35(d): acknowledgment -------------------------------------------------------------------------------


def test_noe_ack_5_business_days_met_by_acknowledgment_35d() -> None:
    """OC-01: received Fri 2025-11-21, Thanksgiving skipped, Fri 11-28 counts -> due Mon 12-01."""
    clocks = given(noe("2025-11-21"), act("error_notice_acknowledged", "2025-11-25", event_id="A")).on("2025-12-02")
    c = one(clocks, "noe_ack")
    assert (c["due"], c["status"], c["met_by"]) == ("2025-12-01", "met", "A")
    assert "skip Thu 2025-11-27 (Thanksgiving Day)" in c["derivation"]


def test_noe_resolved_within_5_days_meets_the_ack_35f1() -> None:
    """1024.35(f)(1): correcting the error and notifying within 5 days replaces (d) and (e)."""
    clocks = given(noe("2026-03-02"), act("error_notice_resolved", "2026-03-04", event_id="R")).on("2026-03-20")
    assert one(clocks, "noe_ack")["met_by"] == "R" and one(clocks, "noe_response")["met_by"] == "R"


def test_satisfiers_are_keyed_by_request_id() -> None:
    clocks = given(noe("2026-03-02"), act("error_notice_acknowledged", "2026-03-03", request_id="OTHER")).on(
        "2026-03-20")
    assert one(clocks, "noe_ack")["status"] == "breached"


# --- 1024.35(e)(3): response --------------------------------------------------------------------------------


def test_payoff_error_7_business_days_and_no_extension_35e3iA() -> None:
    clocks = given(noe("2026-03-02", "payoff"), act("error_response_extended", "2026-03-04")).on("2026-03-05")
    c = one(clocks, "noe_response")
    assert c["due"] == "2026-03-11" and c["flags"] == ["extension_not_permitted"]


def test_other_error_30_days_extended_by_15_when_noticed_by_day_30_35e3ii() -> None:
    """OC-02: received 2025-12-17 -> day 30 is 2026-02-02; an extension that day moves it to 2026-02-24."""
    clocks = given(noe("2025-12-17"), act("error_response_extended", "2026-02-02")).on("2026-02-03")
    c = one(clocks, "noe_response")
    assert c["due"] == "2026-02-24"
    day30 = c["derivation"].index("day 30 Mon 2026-02-02")
    assert c["derivation"][day30 + 2].startswith("extension notice sent 2026-02-02")


def test_late_extension_is_ignored_and_flagged() -> None:
    clocks = given(noe("2025-12-17"), act("error_response_extended", "2026-02-03")).on("2026-02-04")
    c = one(clocks, "noe_response")
    assert (c["due"], c["status"], c["flags"]) == ("2026-02-02", "breached", ["late_extension"])


def test_only_one_extension_counts() -> None:
    history = (noe("2025-12-17"), act("error_response_extended", "2026-01-10"),
               act("error_response_extended", "2026-02-20"))
    c = one(given(*history).on("2026-02-21"), "noe_response")
    assert c["due"] == "2026-02-24" and c["flags"] == ["repeated_extension"]


def test_extension_valid_only_under_the_observed_reading_shows_as_an_alternative() -> None:
    """Received 2026-06-05: day 30 is 07-20 (us-6103a) or 07-21 (observed 07-03 skipped); notice sent 07-21."""
    c = one(given(rfi("2026-06-05"), act("information_request_extended", "2026-07-21", "R1")).on("2026-07-22"),
            "rfi_response")
    assert c["due"] == "2026-07-20" and "late_extension" in c["flags"]
    assert c["alternatives"] == [{"calendar": "us-6103a-observed", "due": "2026-08-11"}]


# --- foreclosure-category errors: the sale date -----------------------------------------------------------


def test_foreclosure_error_due_the_day_before_the_sale_35e3iB() -> None:
    """OC-04A: received 06-29, sale 07-23 -> due 07-22 under both calendars, so no alternative."""
    clocks = given(sale("2026-05-15", "2026-07-23"), noe("2026-06-29", "foreclosure")).on("2026-07-01")
    c = one(clocks, "noe_response")
    assert (c["due"], c["alternatives"]) == ("2026-07-22", [])
    assert c["derivation"][0] == "sale in force on receipt: 2026-07-23"


def test_foreclosure_error_cap_applies_to_the_other_calendar_reading_too_35e3iB() -> None:
    """1024.35(e)(3)(i)(B): received 06-22, sale 08-04. Day 30 is 08-03 under us-6103a (which counts 07-03) and
    08-04 under the observed reading: the cap (sale - 1 = 08-03) binds only the latter, so both say 08-03."""
    clocks = given(sale("2026-06-01", "2026-08-04"), noe("2026-06-22", category="foreclosure")).on("2026-06-23")
    response = one(clocks, "noe_response")
    assert (response["due"], response["alternatives"]) == ("2026-08-03", [])


def test_foreclosure_error_recomputed_when_the_sale_moves_later() -> None:
    history = (sale("2026-05-15", "2026-07-23"), noe("2026-06-29", "foreclosure"), sale("2026-07-10", "2026-10-01"))
    c = one(given(*history).on("2026-07-15"), "noe_response")
    assert c["due"] == "2026-08-10" and "sale_date_changed" in c["flags"]
    assert any("day 30 (2026-08-10) comes first" in line for line in c["derivation"])


def test_foreclosure_error_after_the_sale_is_cancelled_uses_30_days() -> None:
    history = (sale("2026-05-15", "2026-07-23"), noe("2026-06-29", "foreclosure"),
               event("foreclosure_sale_cancelled", "2026-07-01"))
    c = one(given(*history).on("2026-07-15"), "noe_response")
    assert c["due"] == "2026-08-10" and "no sale pending: the 30-day limit governs" in c["derivation"]


def test_foreclosure_error_moved_earlier_and_held() -> None:
    history = (noe("2026-06-29", "foreclosure"), sale("2026-07-01", "2026-07-20"),
               event("foreclosure_sale_held", "2026-07-20"))
    c = one(given(*history).on("2026-07-25"), "noe_response")
    assert (c["due"], c["status"]) == ("2026-07-19", "breached")
    assert "sale held on 2026-07-20" in c["derivation"]


def test_foreclosure_error_7_or_fewer_days_before_the_sale_35f2() -> None:
    """1024.35(f)(2): (d) and (e) do not apply; a good-faith response before the sale is still expected."""
    clocks = given(sale("2026-05-15", "2026-07-23"), noe("2026-07-16", "foreclosure")).on("2026-07-17")
    for rule in ("noe_ack", "noe_response"):
        c = one(clocks, rule)
        assert c["status"] == "not_applicable" and "received 7 days before" in c["reason"]
        assert "good_faith_response_before_sale" in c["flags"] and "unit_not_stated" in c["flags"]
        assert "the rule states no unit" in c["reason"]


def test_foreclosure_error_8_days_before_the_sale_is_capped() -> None:
    clocks = given(sale("2026-05-15", "2026-07-23"), noe("2026-07-15", "foreclosure")).on("2026-07-16")
    assert one(clocks, "noe_response")["due"] == "2026-07-22"
    assert one(clocks, "noe_ack")["status"] == "open"


def test_a_sale_date_already_passed_on_receipt_is_ignored() -> None:
    clocks = given(sale("2026-05-15", "2026-06-01"), noe("2026-06-29", "foreclosure")).on("2026-07-01")
    c = one(clocks, "noe_response")
    assert c["due"] == "2026-08-10" and "stale_sale_date" in c["flags"]


def test_foreclosure_extension_is_not_permitted() -> None:
    clocks = given(noe("2026-06-29", "foreclosure"), act("error_response_extended", "2026-07-01")).on("2026-07-02")
    assert one(clocks, "noe_response")["flags"] == ["extension_not_permitted"]


def test_duplicate_request_ids_are_flagged() -> None:
    clocks = given(noe("2026-03-02"), noe("2026-03-03")).on("2026-03-04")
    assert one(clocks, "noe_ack", on="2026-03-03")["flags"] == ["duplicate_request_id"]


# --- 1024.36: requests for information ----------------------------------------------------------------------


def test_owner_identity_10_days_extension_ignored_36d2iA() -> None:
    """CC-NEW-08: owner identity may not be extended (1024.36(d)(2)(ii)); an extension notice is ignored."""
    history = (rfi("2027-06-14", "owner_identity"), act("information_request_extended", "2027-06-24", "R1"))
    c = one(given(*history).on("2027-06-25"), "rfi_response")
    assert (c["due"], c["flags"]) == ("2027-06-28", ["extension_not_permitted"])
    assert c["alternatives"] == [{"calendar": "us-6103a-observed", "due": "2027-06-29"}]


def test_general_request_extended_to_45_days_36d2ii() -> None:
    """OC-06B: received 2025-10-10, extension 11-21 -> response due 2025-12-17."""
    history = (rfi("2025-10-10"), act("information_request_acknowledged", "2025-10-15", "R1"),
               act("information_request_extended", "2025-11-21", "R1"))
    clocks = given(*history).on("2025-11-24")
    assert one(clocks, "rfi_response")["due"] == "2025-12-17"
    assert one(clocks, "rfi_ack")["status"] == "met"


def test_request_answered_within_5_days_meets_the_ack_36e() -> None:
    clocks = given(rfi("2026-03-02"), act("information_request_answered", "2026-03-05", "R1", event_id="ANS")).on(
        "2026-03-20")
    assert one(clocks, "rfi_ack")["met_by"] == "ANS" and one(clocks, "rfi_response")["status"] == "met"

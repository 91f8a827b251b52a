"""Given/when/then: the written early-intervention notice (12 CFR 1024.39(b)), its 180-day cycle and variants."""

from __future__ import annotations

from typing import Any

from tests.compliance.factories import clock, event, given

NOTICE = "ei_written_notice"


def missed(due: str) -> dict[str, Any]:
    return event("payment_missed", due, due_date=due)


def paid(on: str, due: str) -> dict[str, Any]:
    return event("installment_paid", on, due_date=due)


def sent(on: str, event_id: str | None = None) -> dict[str, Any]:
    return event("early_intervention_notice_sent", on, event_id=event_id)


def filed(petition: str, *, chapter: int = 13, event_id: str | None = None) -> dict[str, Any]:
    return event("bankruptcy_filed", petition, event_id=event_id, chapter=chapter, petition_date=petition)


def ended(on: str, how: str) -> dict[str, Any]:
    return event("bankruptcy_ended", on, how=how)


def monthly(first: str, months: int, *, day: int = 1) -> list[dict[str, Any]]:
    year, month = int(first[:4]), int(first[5:7])
    out = []
    for i in range(months):
        y, m = year + (month - 1 + i) // 12, (month - 1 + i) % 12 + 1
        out.append(missed(f"{y:04d}-{m:02d}-{day:02d}"))
    return out


def by_installment(clocks: list[dict[str, Any]], due: str) -> dict[str, Any]:
    return clock(clocks, NOTICE, trigger_type="payment_missed", on=due)


def by_notice(clocks: list[dict[str, Any]], on: str) -> dict[str, Any]:
    return clock(clocks, NOTICE, trigger_type="early_intervention_notice_sent", on=on)


def by_petition(clocks: list[dict[str, Any]]) -> dict[str, Any]:
    return clock(clocks, NOTICE, trigger_type="bankruptcy_filed")


# --- first notice: comment 39(b)(1)-1 ---------------------------------------------------------------------------


def test_first_notice_due_45_days_after_the_due_date_and_met_by_a_notice() -> None:
    """Comment 39(b)(1)-1: payment due Jan 1 -> notice by Feb 15."""
    c = by_installment(given(missed("2026-01-01"), sent("2026-02-10", "N")).on("2026-02-20"), "2026-01-01")
    assert (c["due"], c["status"], c["met_by"]) == ("2026-02-15", "met", "N")


def test_not_required_when_cured_before_day_45() -> None:
    c = by_installment(given(missed("2026-01-01"), paid("2026-02-01", "2026-01-01")).on("2026-02-20"), "2026-01-01")
    assert c["status"] == "not_applicable" and "comment 39(b)(1)-1" in c["reason"]


def test_each_later_due_date_needs_a_notice_until_one_is_sent() -> None:
    """39(b)(1): "again no later than 45 days after each payment due date"; one notice can meet several."""
    clocks = given(missed("2026-01-01"), missed("2026-02-01"), sent("2026-03-10", "N")).on("2026-04-01")
    assert by_installment(clocks, "2026-01-01")["status"] == "breached"
    later = by_installment(clocks, "2026-02-01")
    assert (later["status"], later["met_by"]) == ("met", "N")


# --- the 180-day cycle: comment 39(b)(1)-2 ----------------------------------------------------------------------


def test_installments_inside_180_days_after_a_notice_are_not_applicable() -> None:
    """39(b)(1): no more than one notice in any 180-day period; the trail explains why."""
    clocks = given(*monthly("2026-01-01", 4), sent("2026-02-10")).on("2026-05-01")
    c = by_installment(clocks, "2026-03-01")
    assert c["status"] == "not_applicable" and "180-day period" in c["reason"] and "2026-08-09" in c["reason"]


def test_next_notice_on_day_180_when_45_or_more_days_delinquent_comment_39b1_2_i() -> None:
    """Notice Apr 15 and still >= 45 days delinquent -> next notice due Oct 12 (= Apr 15 + 180)."""
    clocks = given(*monthly("2026-03-01", 8), sent("2026-04-15")).on("2026-10-20")
    c = by_notice(clocks, "2026-04-15")
    assert (c["due"], c["status"]) == ("2026-10-12", "breached")
    assert "projected_delinquency" not in c.get("flags", [])
    assert any("225 days delinquent" in line for line in c["derivation"])


def test_next_notice_45_days_after_the_unpaid_installment_comment_39b1_2_ii() -> None:
    """Less than 45 days delinquent on day 180 (Oct 1 unpaid on Oct 12) -> due Nov 15."""
    history = (missed("2026-03-01"), sent("2026-04-15"), paid("2026-05-01", "2026-03-01"), missed("2026-10-01"))
    c = by_notice(given(*history).on("2026-10-20"), "2026-04-15")
    assert (c["due"], c["status"]) == ("2026-11-15", "open")
    # The installment's own clock (due Nov 15) is governed by the notice-keyed one, not duplicated.
    assert by_installment(given(*history).on("2026-10-20"), "2026-10-01")["status"] == "not_applicable"


def test_no_repeat_notice_when_current_on_day_180() -> None:
    history = (missed("2026-03-01"), sent("2026-04-15"), paid("2026-05-01", "2026-03-01"))
    c = by_notice(given(*history).on("2026-11-01"), "2026-04-15")
    assert c["status"] == "not_applicable" and "current on day 180" in c["reason"]


def test_repeat_notice_not_owed_when_the_unpaid_installment_is_cured_before_its_day_45() -> None:
    history = (missed("2026-03-01"), sent("2026-04-15"), paid("2026-05-01", "2026-03-01"), missed("2026-10-01"),
               paid("2026-10-25", "2026-10-01"))
    c = by_notice(given(*history).on("2026-11-20"), "2026-04-15")
    assert c["status"] == "not_applicable" and "ended before its 45th day" in c["reason"]


def test_cycle_projected_before_day_180_is_flagged() -> None:
    c = by_notice(given(*monthly("2026-03-01", 4), sent("2026-04-15")).on("2026-07-01"), "2026-04-15")
    assert c["due"] == "2026-10-12" and "projected_delinquency" in c["flags"]


def test_installment_due_after_the_cycle_gets_its_own_clock() -> None:
    """After day 180 each due date again needs a notice by + 45 (Oct 1 -> Nov 15) unless one is sent."""
    clocks = given(*monthly("2026-03-01", 8), sent("2026-04-15"), sent("2026-10-10", "N2")).on("2026-11-20")
    assert by_notice(clocks, "2026-04-15")["status"] == "met"
    assert by_installment(clocks, "2026-10-01")["met_by"] == "N2"


# --- FDCPA cease communication: 1024.39(d)(3) -------------------------------------------------------------------


def test_fdcpa_repeat_no_later_than_prior_plus_190() -> None:
    """39(d)(3)(iii): >= 45 days delinquent at the end of the 180 days -> by prior + 190 (CC-RX-35)."""
    history = (missed("2026-01-15"), event("cease_communication_received", "2026-01-26"), sent("2026-02-13"),
               *monthly("2026-02-15", 6, day=15))
    c = by_notice(given(*history, fdcpa_debt_collector=True).on("2026-08-30"), "2026-02-13")
    assert (c["due"], c["status"]) == ("2026-08-22", "breached")
    assert "fdcpa_modified_notice" in c["flags"]


def test_fdcpa_repeat_later_of_unpaid_plus_45_and_prior_plus_190() -> None:
    history = (missed("2026-01-15"), event("cease_communication_received", "2026-01-26"), sent("2026-02-13"),
               paid("2026-03-01", "2026-01-15"), missed("2026-08-01"))
    clocks = given(*history, fdcpa_debt_collector=True).on("2026-08-20")
    assert by_notice(clocks, "2026-02-13")["due"] == "2026-09-15"
    late = given(*history[:-1], missed("2026-07-01"), fdcpa_debt_collector=True).on("2026-08-20")
    assert by_notice(late, "2026-02-13")["due"] == "2026-08-22"


def test_fdcpa_second_modified_notice_within_180_days_is_a_violation() -> None:
    """39(d)(3)(iii): a debt collector may not send the modified notice more than once per 180 days."""
    history = (*monthly("2026-01-15", 6, day=15), event("cease_communication_received", "2026-01-26"),
               sent("2026-02-13"), sent("2026-05-01", "EARLY"))
    c = by_notice(given(*history, fdcpa_debt_collector=True).on("2026-06-01"), "2026-02-13")
    assert (c["status"], c["met_by"]) == ("breached", "EARLY")
    assert "77 days after the prior notice" in c["finding"]


def test_first_notice_after_a_cease_is_the_modified_notice() -> None:
    history = (missed("2026-01-01"), event("cease_communication_received", "2026-01-05"))
    c = by_installment(given(*history, fdcpa_debt_collector=True).on("2026-01-10"), "2026-01-01")
    assert c["flags"] == ["fdcpa_modified_notice"]


# --- bankruptcy: 1024.39(c) -------------------------------------------------------------------------------------


def test_bankruptcy_modified_notice_by_petition_plus_45_once_per_case() -> None:
    """39(c)(1)(iii): delinquent at filing -> modified notice within 45 days of the petition."""
    history = (missed("2026-01-01"), filed("2026-02-10", event_id="B"), sent("2026-03-01", "N"), missed("2026-02-01"))
    clocks = given(*history).on("2026-04-01")
    c = by_petition(clocks)
    assert (c["due"], c["status"], c["met_by"]) == ("2026-03-27", "met", "N")
    assert c["flags"] == ["bankruptcy_modified_notice", "assumes_lm_option_available"]
    assert by_installment(clocks, "2026-02-01")["status"] == "not_applicable"
    assert "bankruptcy" in by_notice(clocks, "2026-03-01")["reason"]


def test_bankruptcy_notice_keyed_on_first_installment_missed_during_the_case() -> None:
    clocks = given(filed("2026-02-10"), missed("2026-03-01")).on("2026-03-20")
    c = by_petition(clocks)
    assert c["due"] == "2026-04-15" and "not delinquent at filing" in c["derivation"][0]


def test_bankruptcy_without_any_delinquency_needs_no_modified_notice() -> None:
    c = by_petition(given(filed("2026-02-10")).on("2026-03-20"))
    assert c["status"] == "not_applicable" and "no installment has been missed" in c["reason"]


def test_bankruptcy_notice_exempt_after_a_cease_for_a_debt_collector_39c1ii() -> None:
    history = (missed("2026-01-01"), event("cease_communication_received", "2026-01-05"), filed("2026-02-10"))
    c = by_petition(given(*history, fdcpa_debt_collector=True).on("2026-03-20"))
    assert c["status"] == "not_applicable" and "1024.39(c)(1)(ii)" in c["reason"]


def test_bankruptcy_ended_before_the_modified_notice_was_due() -> None:
    clocks = given(missed("2026-01-01"), filed("2026-02-10"), ended("2026-03-01", "dismissed")).on("2026-04-20")
    assert "the regular rules resume" in by_petition(clocks)["reason"]


def test_bankruptcy_notice_not_owed_when_cured_before_day_45() -> None:
    clocks = given(missed("2026-01-01"), filed("2026-01-10"), paid("2026-02-01", "2026-01-01")).on("2026-03-20")
    assert by_petition(clocks)["status"] == "not_applicable"


def test_regular_notices_resume_after_dismissal_and_ignore_the_bankruptcy_notice_39c2i() -> None:
    history = (missed("2026-01-01"), filed("2026-01-10"), sent("2026-02-01"), ended("2026-03-15", "dismissed"),
               *monthly("2026-02-01", 3))
    clocks = given(*history).on("2026-05-20")
    assert by_installment(clocks, "2026-03-01")["status"] == "not_applicable"
    assert by_installment(clocks, "2026-04-01")["due"] == "2026-05-16"


def test_after_discharge_the_notice_resumes_only_if_payments_were_made_39c2ii() -> None:
    base = (missed("2026-01-01"), filed("2026-01-10", chapter=7), ended("2026-04-10", "discharged"))
    without = given(*base, missed("2026-05-01")).on("2026-07-01")
    assert "does not resume" in by_installment(without, "2026-05-01")["reason"]
    with_payment = given(*base, paid("2026-02-01", "2026-01-01"), missed("2026-05-01")).on("2026-07-01")
    assert by_installment(with_payment, "2026-05-01")["status"] == "breached"


def test_notice_before_the_rules_took_effect_is_not_judged() -> None:
    c = by_notice(given(missed("2013-11-01"), sent("2013-12-01")).on("2014-08-01"), "2013-12-01")
    assert "took effect" in c["reason"]
    petition = by_petition(given(missed("2013-11-01"), filed("2013-12-01")).on("2014-08-01"))
    assert "took effect" in petition["reason"]


def test_voided_bankruptcy_cancels_its_modified_notice_clock() -> None:
    """CONTRACT §2: a voided trigger stops counting but stays visible (cancelled)."""
    history = (missed("2026-01-01"), filed("2026-02-10", event_id="B"),
               event("entry_voided", "2026-02-12", voids="B", reason="wrong borrower"))
    c = by_petition(given(*history).on("2026-03-01"))
    assert c["status"] == "cancelled" and "wrong borrower" in c["reason"]
    assert by_installment(given(*history).on("2026-03-01"), "2026-01-01")["status"] == "breached"

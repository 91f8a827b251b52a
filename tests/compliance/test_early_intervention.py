"""Given/when/then: live contact (12 CFR 1024.39(a)) and continuity of contact (1024.40(a)) per missed installment."""

from __future__ import annotations

from datetime import date
from typing import Any

from compliance.ei_scope import not_in_force
from compliance.evaluation import Readings
from compliance.rulebook import HISTORICAL_RULES
from tests.compliance.factories import clock, event, given

LIVE, NOTICE, COC = "ei_live_contact", "ei_written_notice", "coc_assign_personnel"


def missed(due: str, **kw: Any) -> dict[str, Any]:
    return event("payment_missed", due, due_date=due, **kw)


def paid(on: str, due: str) -> dict[str, Any]:
    return event("installment_paid", on, due_date=due)


def call(at: str, *, outcome: str = "no_answer", direction: str = "outbound", channel: str = "phone",
         party: str = "borrower", event_id: str | None = None) -> dict[str, Any]:
    return event("contact_logged", at, event_id=event_id, channel=channel, direction=direction, outcome=outcome,
                 party=party, staff_id="S-1")


def live(clocks: list[dict[str, Any]], due: str) -> dict[str, Any]:
    return clock(clocks, LIVE, trigger_type="payment_missed", on=due)


# --- 1024.39(a): live contact by due date + 36 ---------------------------------------------------------------


def test_live_contact_due_36_days_after_the_due_date_comment_39a_1_i_A() -> None:
    """Comment 39(a)-1.i.A: payment due Jan 1 unpaid -> live contact on or before Feb 6; open that day."""
    c = live(given(missed("2026-01-01")).on("2026-02-06"), "2026-01-01")
    assert (c["due"], c["status"]) == ("2026-02-06", "open")
    assert "day 36 Fri 2026-02-06" in c["derivation"]


def test_live_contact_breached_the_day_after_due_without_contact() -> None:
    c = live(given(missed("2026-01-01")).on("2026-02-07"), "2026-01-01")
    assert c["status"] == "breached" and c["met_by"] is None


def test_one_effort_covers_two_due_dates_comment_39a_1_i_B() -> None:
    """Comment 39(a)-1.i.B: an effort on Feb 5 satisfies the Jan 1 and the Feb 1 clocks."""
    clocks = given(missed("2026-01-01"), missed("2026-02-01"), call("2026-02-05T10:00:00-05:00", event_id="E")).on(
        "2026-03-20")
    for due in ("2026-01-01", "2026-02-01"):
        c = live(clocks, due)
        assert (c["status"], c["met_by"], c["met_on"]) == ("met", "E", "2026-02-05")
        assert c["flags"] == ["good_faith_effort"]


def test_live_contact_on_the_phone_meets_without_good_faith_flag() -> None:
    """1024.39(a): a live contact (either direction) by phone or in person with the borrower."""
    clocks = given(missed("2026-01-01"), call("2026-01-20T10:00:00-05:00", outcome="live_contact", direction="inbound",
                                              party="co_borrower")).on("2026-03-01")
    c = live(clocks, "2026-01-01")
    assert c["status"] == "met" and "flags" not in c


def test_attempt_does_not_satisfy_under_live_contact_only_reading() -> None:
    """Readings.live_contact_satisfied_by = live_contact_only: a mere attempt is not enough."""
    history = (missed("2026-01-01"), call("2026-01-20T10:00:00-05:00"))
    c = live(given(*history, readings=Readings(live_contact_satisfied_by="live_contact_only")).on("2026-03-01"),
             "2026-01-01")
    assert c["status"] == "breached"
    assert "live_contact_only" in " ".join(c["derivation"])


def test_contacts_that_are_not_live_contact_or_efforts_do_not_count() -> None:
    """Email, a wrong number, an inbound voicemail and a call to the borrower's attorney are not 39(a) contacts."""
    history = (
        missed("2026-01-01"),
        call("2026-01-10T10:00:00-05:00", channel="email", outcome="delivered"),
        call("2026-01-11T10:00:00-05:00", outcome="wrong_number"),
        call("2026-01-12T10:00:00-05:00", outcome="left_message", direction="inbound"),
        call("2026-01-13T10:00:00-05:00", outcome="live_contact", party="attorney"),
    )
    assert live(given(*history).on("2026-03-01"), "2026-01-01")["status"] == "breached"


def test_contact_on_the_due_date_itself_is_outside_the_window() -> None:
    """Rulebook §9.8: the window is (due date, due date + 36]."""
    c = live(given(missed("2026-01-01"), call("2026-01-01T10:00:00-05:00")).on("2026-03-01"), "2026-01-01")
    assert c["status"] == "breached"


def test_late_contact_is_breached_with_met_by() -> None:
    c = live(given(missed("2026-01-01"), call("2026-02-10T10:00:00-05:00", event_id="L")).on("2026-03-01"),
             "2026-01-01")
    assert (c["status"], c["met_by"], c["met_on"]) == ("breached", "L", "2026-02-10")


def test_cure_before_day_36_makes_live_contact_not_applicable() -> None:
    """1024.39(a): only while the borrower remains delinquent; paid on Jan 20 -> no duty on Feb 6."""
    c = live(given(missed("2026-01-01"), paid("2026-01-20", "2026-01-01")).on("2026-01-25"), "2026-01-01")
    assert c["status"] == "not_applicable"
    assert "current from 2026-01-20, before day 36" in c["reason"]


def test_without_a_recorded_cure_the_clock_stays_open_before_day_36() -> None:
    assert live(given(missed("2026-01-01")).on("2026-01-25"), "2026-01-01")["status"] == "open"


def test_installment_paid_by_its_due_date_is_no_delinquency() -> None:
    """Paid on the due date itself (logged after the miss): never due and unpaid for a whole day."""
    c = live(given(missed("2026-01-01"), paid("2026-01-01", "2026-01-01")).on("2026-03-01"), "2026-01-01")
    assert "paid by its due date" in c["reason"]


def test_re_default_after_a_cure_starts_a_new_clock_comment_39a_6() -> None:
    """Cured Jan 20, missed Feb 1: the Jan 1 clock lapses, the Feb 1 clock runs to Mar 9."""
    clocks = given(missed("2026-01-01"), paid("2026-01-20", "2026-01-01"), missed("2026-02-01")).on("2026-02-10")
    assert live(clocks, "2026-01-01")["status"] == "not_applicable"
    assert live(clocks, "2026-02-01")["due"] == "2026-03-09"


def test_paying_the_oldest_installment_keeps_a_continuous_delinquency() -> None:
    """Comment 31 Delinquency-2: Jan paid on Feb 3 while Feb is unpaid -> still delinquent on Feb 6."""
    clocks = given(missed("2026-01-01"), missed("2026-02-01"), paid("2026-02-03", "2026-01-01")).on("2026-02-10")
    assert live(clocks, "2026-01-01")["status"] == "breached"


def test_bankruptcy_exempts_live_contact_39c1i() -> None:
    """1024.39(c)(1)(i): exempt while a borrower is a debtor (from the petition, comment 39(c)(1)-1)."""
    history = (missed("2026-01-01"), event("bankruptcy_filed", "2026-01-25", chapter=7, petition_date="2026-01-20"))
    c = live(given(*history).on("2026-03-01"), "2026-01-01")
    assert c["status"] == "not_applicable" and "1024.39(c)(1)(i)" in c["reason"]


def test_live_contact_resumes_after_the_next_due_date_following_dismissal_39c2i() -> None:
    history = (
        missed("2026-01-01"), event("bankruptcy_filed", "2026-01-20", chapter=13, petition_date="2026-01-20"),
        event("bankruptcy_ended", "2026-02-10", how="dismissed"), missed("2026-02-01"), missed("2026-03-01"),
    )
    clocks = given(*history).on("2026-04-10")
    assert "resumed after the next due date, 2026-03-01" in live(clocks, "2026-02-01")["reason"]
    assert live(clocks, "2026-03-01")["status"] == "breached"


def test_relief_from_stay_leaves_the_borrower_a_debtor_so_the_exemption_continues_39c1i() -> None:
    """1024.39(c)(1): the exemption lasts "while any borrower is a debtor"; relief from the automatic stay
    (11 U.S.C. 362(d)) lifts the stay but does not end the case, so duties resume only after its dismissal."""
    history = (
        missed("2026-01-01"), event("bankruptcy_filed", "2026-01-20", chapter=13, petition_date="2026-01-20"),
        event("bankruptcy_ended", "2026-04-10", how="relief_from_stay"), missed("2026-05-01"),
    )
    during = live(given(*history).on("2026-07-01"), "2026-05-01")
    assert during["status"] == "not_applicable" and "relief from stay 2026-04-10, pending" in during["reason"]
    dismissed = given(*history, event("bankruptcy_ended", "2026-07-10", how="dismissed"), missed("2026-06-01"),
                      missed("2026-07-01"), missed("2026-08-01")).on("2026-10-01")
    assert live(dismissed, "2026-08-01")["status"] == "breached"


def test_live_contact_never_resumes_after_a_discharge_39c2ii() -> None:
    history = (
        missed("2026-01-01"), event("bankruptcy_filed", "2026-01-20", chapter=7, petition_date="2026-01-20"),
        event("bankruptcy_ended", "2026-04-10", how="discharged"), missed("2026-05-01"),
    )
    c = live(given(*history).on("2026-07-01"), "2026-05-01")
    assert c["status"] == "not_applicable" and "does not resume (1024.39(c)(2)(ii))" in c["reason"]


def test_bankruptcy_filed_after_day_36_does_not_excuse() -> None:
    history = (missed("2026-01-01"), event("bankruptcy_filed", "2026-02-20", chapter=7, petition_date="2026-02-20"))
    assert live(given(*history).on("2026-03-01"), "2026-01-01")["status"] == "breached"


def test_cease_communication_exempts_an_fdcpa_debt_collector_39d1() -> None:
    history = (missed("2026-01-01"), event("cease_communication_received", "2026-01-10"))
    c = live(given(*history, fdcpa_debt_collector=True).on("2026-03-01"), "2026-01-01")
    assert c["status"] == "not_applicable" and "1024.39(d)(1)" in c["reason"]


def test_cease_communication_does_not_exempt_other_servicers_but_is_flagged() -> None:
    history = (missed("2026-01-01"), event("cease_communication_received", "2026-01-10"))
    c = live(given(*history).on("2026-03-01"), "2026-01-01")
    assert c["status"] == "breached" and "cease_communication_not_debt_collector" in c["flags"]


def test_outside_1024_30_scope_no_early_intervention() -> None:
    """1024.30(c)(2): principal residence only; 1024.30(b)(1): small servicers exempt from 39-41 except 41(j)."""
    not_home = given(missed("2026-01-01"), principal_residence=False).on("2026-03-01")
    small = given(missed("2026-01-01"), small_servicer=True).on("2026-03-01")
    assert "principal residence" in live(not_home, "2026-01-01")["reason"]
    for rule in (LIVE, NOTICE, COC):
        assert "small servicer" in clock(small, rule, trigger_type="payment_missed")["reason"]


def test_installment_before_the_rules_took_effect_is_not_judged() -> None:
    """Rulebook §5: 1024.39 starts 2014-01-10."""
    c = live(given(missed("2013-12-01")).on("2014-03-01"), "2013-12-01")
    assert "took effect on 2014-01-10" in c["reason"]


def test_unanswered_delinquency_with_an_application_is_flagged_comment_39a_6() -> None:
    """Comment 39(a)-6: ongoing 1024.41 contact may satisfy 39(a); the log cannot show it, so it is flagged."""
    history = (missed("2026-01-01"), event("application_received", "2026-01-15", application_id="A1"))
    assert "lm_contact_may_satisfy_39a" in live(given(*history).on("2026-03-01"), "2026-01-01")["flags"]


def test_a_repeated_payment_missed_is_explained_not_counted_twice() -> None:
    clocks = given(missed("2026-01-01"), event("payment_missed", "2026-01-05", due_date="2026-01-01")).on("2026-01-10")
    repeats = [c for c in clocks if c["trigger"]["on"] == "2026-01-05" and c["rule"] in (LIVE, NOTICE, COC)]
    assert {c["rule"] for c in repeats} == {LIVE, NOTICE, COC}
    assert all(c["status"] == "not_applicable" and c["flags"] == ["repeated_payment_missed"] for c in repeats)


def test_a_returned_payment_makes_the_installment_unpaid_again() -> None:
    """Rulebook §2.5, §4.1: the installment is unpaid again from the day the miss is re-recorded (a returned
    payment); still the oldest unpaid on day 36 (02-06), that day is the 36th day of delinquency and the duty
    stands. Re-missed only after day 36, the installment's clock stays lapsed (current from 01-05)."""
    history = (missed("2026-01-01"), paid("2026-01-05", "2026-01-01"),
               event("payment_missed", "2026-01-10", due_date="2026-01-01"))
    c = live(given(*history).on("2026-03-01"), "2026-01-01")
    assert (c["status"], c["due"]) == ("breached", "2026-02-06")
    late = (missed("2026-01-01"), paid("2026-01-05", "2026-01-01"),
            event("payment_missed", "2026-02-10", due_date="2026-01-01"))
    lapsed = live(given(*late).on("2026-03-01"), "2026-01-01")
    assert lapsed["status"] == "not_applicable" and "current from 2026-01-05" in lapsed["reason"]


def test_voided_missed_payment_cancels_and_a_correction_moves_the_clock() -> None:
    """CONTRACT §2: a voided trigger stops counting; a corrected due date moves the clock."""
    history = (
        missed("2026-03-01", event_id="M1"), missed("2026-04-01", event_id="M2"),
        event("entry_voided", "2026-04-05", voids="M1", reason="misposted"),
        event("entry_corrected", "2026-04-05", corrects="M2", reason="wrong month",
              replacement={"occurred_at": "2026-04-02", "data": {"due_date": "2026-04-02"}}),
    )
    clocks = given(*history).on("2026-04-06")
    assert live(clocks, "2026-03-01")["status"] == "cancelled"
    assert live(clocks, "2026-04-02")["due"] == "2026-05-08"


# --- 1024.40(a): continuity-of-contact personnel -------------------------------------------------------------


def test_personnel_by_day_45_met_by_case_assigned_40a1() -> None:
    history = (missed("2026-01-01"), event("case_assigned", "2026-01-20", event_id="A", team="T", staff_id="S",
                                           manager_id="M"))
    c = clock(given(*history).on("2026-02-20"), COC, on="2026-01-01")
    assert (c["due"], c["status"], c["met_by"]) == ("2026-02-15", "met", "A")


def test_personnel_due_by_the_written_notice_when_earlier_40a1() -> None:
    """1024.40(a)(1): by the time the written notice is provided, in any event by day 45."""
    history = (missed("2026-01-01"), event("early_intervention_notice_sent", "2026-02-01"),
               event("personnel_assigned", "2026-02-03", staff_id="S"))
    c = clock(given(*history).on("2026-02-20"), COC, on="2026-01-01")
    assert (c["due"], c["status"]) == ("2026-02-01", "breached")
    assert any("before day 45" in line for line in c["derivation"])


def test_personnel_assigned_before_the_delinquency_still_stand() -> None:
    history = (event("personnel_assigned", "2025-12-01", event_id="P", staff_id="S"), missed("2026-01-01"))
    c = clock(given(*history).on("2026-02-20"), COC, on="2026-01-01")
    assert (c["status"], c["met_by"], c["met_on"]) == ("met", "P", "2025-12-01")
    assert any("still stand" in line for line in c["derivation"])


def test_personnel_assigned_late_is_breached_with_met_by() -> None:
    history = (missed("2026-01-01"), event("personnel_assigned", "2026-03-01", event_id="P", staff_id="S"))
    c = clock(given(*history).on("2026-03-05"), COC, on="2026-01-01")
    assert (c["status"], c["met_by"]) == ("breached", "P")


def test_personnel_are_assigned_once_per_delinquency() -> None:
    clocks = given(missed("2026-01-01"), missed("2026-02-01")).on("2026-02-20")
    later = clock(clocks, COC, on="2026-02-01")
    assert later["status"] == "not_applicable" and "once per delinquency" in later["reason"]


def test_personnel_not_required_when_cured_before_day_45() -> None:
    c = clock(given(missed("2026-01-01"), paid("2026-02-01", "2026-01-01")).on("2026-02-20"), COC, on="2026-01-01")
    assert c["status"] == "not_applicable"


def test_a_rule_that_ceased_to_apply_says_so() -> None:
    """Rulebook §5: 1024.39(e) (COVID) expired 2022-10-01; a later trigger is judged by no version of it."""
    covid = next(r for r in HISTORICAL_RULES if r.id == "covid_ei_live_contact")
    assert "ceased to apply on 2022-10-01" in str(not_in_force(covid, date(2023, 1, 1)))
    assert not_in_force(covid, date(2022, 1, 1)) is None

"""Given/when/then tests of the 1024.41(b)-(e), (h) clocks: acknowledgment, reasonable date, completion notices,
evaluation, third-party delay, short-term notices, acceptance and appeal windows, appeal decisions."""

from __future__ import annotations

from tests.compliance.factories import clock, event, given, rules_of


def received(on: str, app: str = "A1", **kw: object) -> dict:
    return event("application_received", on, application_id=app, **kw)


def acked(on: str, app: str = "A1", *, complete: bool = False, return_by: str | None = None,
          missing_items: list[str] | None = None) -> dict:
    data: dict = {"application_id": app, "complete": complete}
    if missing_items:
        data["missing_items"] = missing_items
    if return_by:
        data["return_by"] = return_by
    return event("application_acknowledged", on, **data)


def completed(on: str, app: str = "A1", *, facially: bool = False, **kw: object) -> dict:
    return event("application_completed", on, application_id=app, facially=facially, **kw)


def sale(on: str, sale_date: str) -> dict:
    return event("foreclosure_sale_scheduled", on, sale_date=sale_date)


def decided(on: str, app: str = "A1", *, outcome: str = "offer", lm_denied: bool = False, **kw: object) -> dict:
    offered = ["repayment_plan"] if outcome == "offer" else []
    return event("evaluation_decided", on, application_id=app, outcome=outcome, options_offered=offered,
                 loan_modification_denied=lm_denied, **kw)


# --- 1024.41(b)(2)(i)(B) acknowledgment -----------------------------------------------------------------------


def test_ack_due_five_business_days_after_receipt_and_met_by_the_ack() -> None:
    """12 CFR 1024.41(b)(2)(i)(B): Thu 07-02 + 5 Reg X business days = 07-09 (07-10 under the observed reading)."""
    clocks = given(received("2026-07-02")).when(acked("2026-07-08", return_by="2026-08-07")).on("2026-07-20")
    ack = clock(clocks, "lm_ack_notice")
    assert (ack["due"], ack["status"], ack["met_on"]) == ("2026-07-09", "met", "2026-07-08")
    assert ack["alternatives"] == [{"calendar": "us-6103a-observed", "due": "2026-07-10"}]
    assert any("no foreclosure sale scheduled" in line for line in ack["derivation"])


def test_ack_open_on_the_due_date_and_breached_the_day_after() -> None:
    """1024.41(b)(2)(i)(B), CONTRACT §3: met if done on or before due; as_of decides open versus breached."""
    history = given(received("2026-07-03"))
    assert clock(history.on("2026-07-10"), "lm_ack_notice")["status"] == "open"
    assert clock(history.on("2026-07-11"), "lm_ack_notice")["status"] == "breached"


def test_ack_late_is_breached_with_met_by_set() -> None:
    """A deadline met late is breached, and still names the act that ended it."""
    clocks = given(received("2026-07-02"), acked("2026-07-15")).on("2026-07-20")
    ack = clock(clocks, "lm_ack_notice")
    assert (ack["status"], ack["met_on"]) == ("breached", "2026-07-15")


def test_ack_needed_at_exactly_45_days_before_the_sale() -> None:
    """1024.41(b)(2)(i): "45 days or more before a foreclosure sale" includes 45 (sale - receipt = 45)."""
    clocks = given(sale("2026-07-01", "2026-09-30"), received("2026-08-16")).on("2026-08-18")
    assert clock(clocks, "lm_ack_notice")["due"] == "2026-08-21"


def test_ack_not_applicable_at_44_days_before_the_sale() -> None:
    """1024.41(b)(2)(i): 44 days before the sale is too late for the acknowledgment duty."""
    clocks = given(sale("2026-07-01", "2026-09-30"), received("2026-08-17")).on("2026-08-18")
    ack = clock(clocks, "lm_ack_notice")
    assert ack["status"] == "not_applicable"
    assert ack["reason"] == "received 44 days before the sale on 2026-09-30 (12 CFR 1024.41(b)(2)(i) needs 45 or more)"


def test_sale_rescheduled_after_receipt_does_not_change_the_ack() -> None:
    """1024.41(b)(3), comment 41(b)(3)-2: proximity is fixed on receipt; a later rescheduling does not count."""
    clocks = given(sale("2026-06-01", "2026-09-30"), received("2026-07-01"), sale("2026-07-03", "2026-07-20"))
    assert clock(clocks.on("2026-07-06"), "lm_ack_notice")["status"] == "open"


def test_sale_moved_before_receipt_counts() -> None:
    """1024.41(b)(2)(i): the sale scheduled on the receipt date is the one measured (moved earlier: 41 days)."""
    clocks = given(sale("2026-06-01", "2026-11-30"), sale("2026-07-01", "2026-08-20"), received("2026-07-10"))
    ack = clock(clocks.on("2026-07-13"), "lm_ack_notice")
    assert ack["status"] == "not_applicable" and "41 days before the sale on 2026-08-20" in ack["reason"]


def test_sale_cancelled_before_receipt_means_no_sale() -> None:
    """Rulebook §2.4: no sale scheduled when the application arrives passes every proximity test."""
    clocks = given(sale("2026-06-01", "2026-07-20"), event("foreclosure_sale_cancelled", "2026-06-20"),
                   received("2026-07-10"))
    assert clock(clocks.on("2026-07-13"), "lm_ack_notice")["status"] == "open"


def test_sale_date_already_passed_is_reported_as_after_the_sale() -> None:
    """A stale sale date (before receipt, neither held nor cancelled) fails the test and says so."""
    clocks = given(sale("2026-06-01", "2026-07-01"), received("2026-07-10")).on("2026-07-13")
    assert "9 days after the scheduled sale date 2026-07-01" in clock(clocks, "lm_ack_notice")["reason"]


def test_late_entry_of_an_earlier_sale_scheduling_counts_by_its_legal_date() -> None:
    """CONTRACT §1: a late entry counts from its occurred_at; a sale scheduled 06-01 but logged after receipt."""
    clocks = given(received("2026-07-10"), sale("2026-06-01", "2026-08-01")).on("2026-07-13")
    assert clock(clocks, "lm_ack_notice")["status"] == "not_applicable"


def test_late_entry_of_an_older_scheduling_does_not_override_a_newer_one() -> None:
    """1024.41(b)(2)(i): the sale in force on the receipt date is the latest scheduling by legal date (11-30),
    not the last one logged (a 06-01 scheduling for 08-01 entered late)."""
    clocks = given(sale("2026-07-01", "2026-11-30"), received("2026-07-10"), sale("2026-06-01", "2026-08-01"))
    assert clock(clocks.on("2026-07-13"), "lm_ack_notice")["status"] == "open"


def test_corrected_receipt_date_moves_the_ack_clock() -> None:
    """CONTRACT §2 entry_corrected: the replacement occurred_at moves day 0; the trigger shows the corrected date."""
    fix = event("entry_corrected", "2026-07-09", corrects="rcv", reason="date-stamped late",
                replacement={"occurred_at": "2026-07-01"})
    clocks = given(received("2026-07-06", event_id="rcv"), fix).on("2026-07-09")
    ack = clock(clocks, "lm_ack_notice")
    assert (ack["trigger"]["on"], ack["due"], ack["status"]) == ("2026-07-01", "2026-07-08", "breached")


def test_late_entered_ack_counts_by_its_legal_date() -> None:
    """CONTRACT §1 late entries: an ack dated 07-06 but logged after one dated 07-14 is the earliest act."""
    clocks = given(received("2026-07-02"), acked("2026-07-14"), acked("2026-07-06")).on("2026-07-20")
    ack = clock(clocks, "lm_ack_notice")
    assert (ack["status"], ack["met_on"]) == ("met", "2026-07-06")


def test_corrected_completion_date_moves_the_evaluation() -> None:
    """CONTRACT §2 entry_corrected: the completion moved from 03-23 to 03-20 moves the 30 days with it."""
    fix = event("entry_corrected", "2026-03-25", corrects="done", reason="documents arrived earlier",
                replacement={"occurred_at": "2026-03-20"})
    clocks = given(received("2026-03-05"), completed("2026-03-23", event_id="done"), fix).on("2026-03-26")
    assert clock(clocks, "lm_evaluate")["due"] == "2026-04-19"


def test_voided_completion_cancels_its_clocks() -> None:
    """CONTRACT §2 entry_voided: a completion recorded in error stops counting, visibly."""
    void = event("entry_voided", "2026-03-25", voids="done", reason="recorded on the wrong loan")
    clocks = given(received("2026-03-05"), completed("2026-03-23", event_id="done"), void).on("2026-04-30")
    assert clock(clocks, "lm_evaluate")["status"] == "cancelled"
    assert clock(clocks, "fc_referral_bar_complete_app")["status"] == "cancelled"


def test_voided_receipt_cancels_the_ack_clock() -> None:
    """CONTRACT §2 entry_voided: a voided trigger stops counting and its clocks show as cancelled."""
    void = event("entry_voided", "2026-07-03", voids="rcv", reason="not an application (comment 41(b)(1)-3)")
    clocks = given(received("2026-07-02", event_id="rcv"), void).on("2026-07-20")
    assert clock(clocks, "lm_ack_notice")["status"] == "cancelled"


def test_not_principal_residence_is_out_of_scope() -> None:
    """12 CFR 1024.30(c)(2): subpart C covers loans secured by the borrower's principal residence."""
    clocks = given(received("2026-07-02"), principal_residence=False).on("2026-07-06")
    assert "principal residence" in clock(clocks, "lm_ack_notice")["reason"]


def test_small_servicer_is_exempt_from_41_except_41j() -> None:
    """12 CFR 1024.30(b)(1): small servicers are exempt from 1024.38-1024.41 except 41(j)."""
    clocks = given(received("2026-07-02"), small_servicer=True).on("2026-07-06")
    assert clock(clocks, "lm_ack_notice")["reason"].startswith("small servicer")


# --- 1024.41(b)(2)(ii) reasonable date -------------------------------------------------------------------------


def test_reasonable_date_capped_by_the_120th_day_of_delinquency() -> None:
    """Comment 41(b)(2)(ii)-2: oldest unpaid 01-01 + 120 = 05-01 comes before notice + 30."""
    clocks = given(event("payment_missed", "2026-01-01", due_date="2026-01-01"), received("2026-04-06"),
                   acked("2026-04-10", return_by="2026-05-01")).on("2026-04-12")
    rd = clock(clocks, "lm_reasonable_date")
    assert (rd["due"], rd["status"]) == ("2026-05-01", "met")


def test_reasonable_date_floor_of_seven_days_beats_sale_minus_38() -> None:
    """Comment 41(b)(2)(ii)-3: never earlier than notice + 7; sale - 90 already passed is disregarded."""
    clocks = given(sale("2026-06-15", "2026-08-20"), received("2026-07-06"),
                   acked("2026-07-08", return_by="2026-07-15")).on("2026-07-09")
    rd = clock(clocks, "lm_reasonable_date")
    assert rd["due"] == "2026-07-15"
    assert any(line.startswith("disregarded sale 2026-08-20 - 90") for line in rd["derivation"])


def test_return_by_later_than_the_reasonable_date_is_a_finding() -> None:
    """1024.41(b)(2)(ii): a return_by after the latest reasonable date is breached with a finding."""
    clocks = given(received("2026-02-20"), acked("2026-02-24", return_by="2026-04-01")).on("2026-02-25")
    rd = clock(clocks, "lm_reasonable_date")
    assert rd["status"] == "breached" and "later than the latest reasonable date 2026-03-26" in rd["finding"]


def test_return_by_earlier_than_seven_days_is_a_finding() -> None:
    """Comment 41(b)(2)(ii)-3: at least 7 days after the notice."""
    clocks = given(received("2026-02-20"), acked("2026-02-24", return_by="2026-02-27")).on("2026-02-25")
    assert "earlier than notice + 7 (2026-03-03)" in clock(clocks, "lm_reasonable_date")["finding"]


def test_missing_return_by_is_flagged_open_then_breached() -> None:
    """41(b)(2)(i)(B) requires the date in the notice; an ack recorded without one is flagged, never guessed."""
    history = given(received("2026-02-20"), acked("2026-02-24"))
    early = clock(history.on("2026-02-25"), "lm_reasonable_date")
    late = clock(history.on("2026-03-27"), "lm_reasonable_date")
    assert (early["status"], early["flags"]) == ("open", ["return_by_not_recorded"])
    assert late["status"] == "breached" and "no return_by" in late["finding"]


def test_reasonable_date_not_applicable_when_ack_says_complete() -> None:
    """1024.41(b)(2)(ii) concerns incomplete applications only."""
    clocks = given(received("2026-02-20"), acked("2026-02-24", complete=True)).on("2026-02-25")
    assert clock(clocks, "lm_reasonable_date")["status"] == "not_applicable"


def test_documents_supplying_every_missing_item_without_a_recorded_completion_are_flagged() -> None:
    """41(c)(2)(iv): everything the notice listed came in (over two deliveries, names compared without case), so
    the application was facially complete; with no application_completed recorded, the gap is flagged."""
    notice = acked("2026-02-04", return_by="2026-03-06", missing_items=["Two pay stubs", "hardship letter"])
    history = given(received("2026-02-02"), notice,
                    event("application_documents_received", "2026-02-10", application_id="A1", items=["two pay stubs"]))
    assert "flags" not in clock(history.on("2026-02-12"), "lm_reasonable_date")
    both = history.when(event("application_documents_received", "2026-02-16", application_id="A1",
                              items=["Hardship letter "]))
    flagged = clock(both.on("2026-02-20"), "lm_reasonable_date")
    assert flagged["flags"] == ["missing_items_received_no_completion_recorded"]
    assert "documents received 2026-02-16 supply every item" in flagged["derivation"][-1]
    completed = both.when(event("application_completed", "2026-02-16", application_id="A1", facially=True))
    assert "flags" not in clock(completed.on("2026-02-20"), "lm_reasonable_date")


# --- 1024.41(c)(3) notice of complete application, (c)(1) evaluation, (c)(4) third-party delay ---------------


def facial_then_complete() -> list[dict]:
    return [received("2026-02-20"), acked("2026-02-24", return_by="2026-03-26"), completed("2026-03-02", facially=True),
            event("complete_application_notice_sent", "2026-03-06", application_id="A1"),
            event("additional_information_requested", "2026-03-10", application_id="A1"), completed("2026-03-23")]


def test_each_completion_gets_a_complete_notice_and_evaluation_runs_from_actual_completion() -> None:
    """41(c)(3)(i), comment 41(c)(3)(i)-3; 41(c)(2)(iv): the facial evaluation clock is superseded."""
    clocks = given(*facial_then_complete()).on("2026-03-25")
    first = clock(clocks, "lm_complete_notice", on="2026-03-02")
    second = clock(clocks, "lm_complete_notice", on="2026-03-23")
    superseded = clock(clocks, "lm_evaluate", on="2026-03-02")
    live = clock(clocks, "lm_evaluate", on="2026-03-23")
    assert (first["status"], second["due"], second["status"]) == ("met", "2026-03-30", "open")
    assert superseded["status"] == "cancelled" and superseded["reason"].startswith("superseded: more information")
    assert (live["due"], live["status"]) == ("2026-04-22", "open")
    assert clock(clocks, "lm_third_party_delay_notice", on="2026-03-02")["status"] == "cancelled"


def test_superseded_evaluation_waits_for_the_completion() -> None:
    """41(c)(2)(iv): after a request for more information the facial clock stops; the new one awaits completion."""
    clocks = given(*facial_then_complete()[:-1]).on("2026-03-12")
    superseded = clock(clocks, "lm_evaluate")
    assert superseded["flags"] == ["awaiting_additional_information"] and "not completed yet" in superseded["reason"]


def test_request_after_the_decision_does_not_supersede() -> None:
    """41(c)(2)(iv) concerns requests before the evaluation; one after the decision changes nothing."""
    clocks = given(received("2026-02-20"), completed("2026-03-02", facially=True), decided("2026-03-20"),
                   event("additional_information_requested", "2026-03-25", application_id="A1")).on("2026-03-26")
    assert clock(clocks, "lm_evaluate")["status"] == "met"


def test_complete_notice_exception_when_the_ack_said_complete() -> None:
    """1024.41(c)(3)(ii)(A): the acknowledgment already said complete and nothing was requested since."""
    clocks = given(received("2026-03-02"), acked("2026-03-04", complete=True), completed("2026-03-04")).on("2026-03-05")
    assert "(1024.41(c)(3)(ii)(A))" in clock(clocks, "lm_complete_notice")["reason"]


def test_complete_notice_owed_after_a_request_following_a_complete_ack() -> None:
    """1024.41(c)(3)(ii)(A) lapses once more information is requested after the "complete" acknowledgment."""
    clocks = given(received("2026-03-02"), acked("2026-03-04", complete=True),
                   event("additional_information_requested", "2026-03-06", application_id="A1"),
                   completed("2026-03-10")).on("2026-03-11")
    assert clock(clocks, "lm_complete_notice")["due"] == "2026-03-17"


def test_ack_saying_complete_after_completion_is_the_complete_notice() -> None:
    """1024.41(c)(3)(ii)(A): an acknowledgment that says complete, sent after completion, satisfies (c)(3)."""
    clocks = given(received("2026-03-02"), completed("2026-03-02"), acked("2026-03-04", complete=True)).on("2026-03-05")
    assert clock(clocks, "lm_complete_notice")["status"] == "met"


def test_complete_notice_exception_after_the_evaluation_notice() -> None:
    """1024.41(c)(3)(ii)(C): no (c)(3) notice once the (c)(1)(ii) notice was provided."""
    clocks = given(received("2026-03-02"), completed("2026-03-03"), decided("2026-03-05"),
                   completed("2026-03-06")).on("2026-03-09")
    assert "(1024.41(c)(3)(ii)(C))" in clock(clocks, "lm_complete_notice", on="2026-03-06")["reason"]


def test_complete_38_days_before_sale_gets_notice_and_evaluation() -> None:
    """1024.41(c)(1), (c)(3)(ii)(B): "more than 37 days" is 38 or more."""
    clocks = given(sale("2026-07-15", "2026-09-30"), received("2026-08-20"), completed("2026-08-23")).on("2026-08-24")
    assert clock(clocks, "lm_evaluate")["due"] == "2026-09-22"
    assert clock(clocks, "lm_complete_notice")["status"] == "open"


def test_complete_37_days_before_sale_owes_no_evaluation() -> None:
    """1024.41(c)(1): 37 days is not more than 37."""
    clocks = given(sale("2026-07-15", "2026-09-30"), received("2026-08-20"), completed("2026-08-24")).on("2026-08-26")
    assert clock(clocks, "lm_evaluate")["reason"] == (
        "complete 37 days before the sale on 2026-09-30 (12 CFR 1024.41(c)(1) needs more than 37)")


def test_notice_measured_on_facial_completeness_evaluation_on_actual_completion() -> None:
    """41(c)(3)(ii)(B) reads "complete or facially complete"; (c)(1) is not in the (c)(2)(iv) list: flagged."""
    clocks = given(sale("2026-06-01", "2026-09-30"), received("2026-08-01"), completed("2026-08-10", facially=True),
                   event("additional_information_requested", "2026-08-14", application_id="A1"),
                   completed("2026-08-31")).on("2026-09-01")
    assert clock(clocks, "lm_complete_notice", on="2026-08-31")["status"] == "open"
    evaluation = clock(clocks, "lm_evaluate", on="2026-08-31")
    assert evaluation["status"] == "not_applicable" and evaluation["flags"] == ["proximity_dates_disagree"]


def test_evaluation_due_on_a_sunday_does_not_roll_forward() -> None:
    """1024.31 (calendar days); rulebook §2.3: no roll-forward, the send-by date is only in the derivation."""
    clocks = given(received("2026-10-15"), completed("2026-10-30")).on("2026-11-20")
    ev = clock(clocks, "lm_evaluate")
    assert ev["due"] == "2026-11-29"
    assert any(line.startswith("no roll-forward") for line in ev["derivation"])


def test_evaluation_breached_without_decision_or_delay_notice() -> None:
    """1024.41(c)(1): 30 days from completion."""
    clocks = given(received("2026-03-05"), completed("2026-03-23")).on("2026-04-23")
    assert clock(clocks, "lm_evaluate")["status"] == "breached"
    assert clock(clocks, "lm_third_party_delay_notice")["status"] == "breached"


def test_third_party_delay_notice_keeps_the_evaluation_open() -> None:
    """1024.41(c)(4)(ii)(B): a timely delay notice lets the determination follow promptly after day 30."""
    history = given(received("2026-03-05"), completed("2026-03-23"),
                    event("third_party_delay_notice_sent", "2026-04-20", application_id="A1"))
    late = clock(history.on("2026-04-30"), "lm_evaluate")
    assert (late["status"], late["flags"]) == ("open", ["third_party_delay"])
    assert clock(history.on("2026-04-30"), "lm_third_party_delay_notice")["status"] == "met"
    decided_late = clock(history.when(decided("2026-05-04")).on("2026-05-05"), "lm_evaluate")
    assert (decided_late["status"], decided_late["met_on"]) == ("met", "2026-05-04")


def test_late_delay_notice_does_not_excuse_the_evaluation() -> None:
    """1024.41(c)(4)(ii)(B): the delay notice must come within the 30 days to excuse the evaluation clock."""
    clocks = given(received("2026-03-05"), completed("2026-03-23"),
                   event("third_party_delay_notice_sent", "2026-04-25", application_id="A1")).on("2026-04-30")
    assert clock(clocks, "lm_evaluate")["status"] == "breached"


def test_complete_notice_rule_not_in_force_before_2017_10_19() -> None:
    """Rulebook §5: 41(c)(3) came with the 2016 amendments (effective 2017-10-19); earlier triggers are judged
    by the rule then in force."""
    clocks = given(received("2016-03-01"), completed("2016-03-02")).on("2016-03-10")
    notice = clock(clocks, "lm_complete_notice")
    assert notice["status"] == "not_applicable" and "took effect on 2017-10-19" in notice["reason"]
    assert clock(clocks, "lm_evaluate")["status"] == "open"


# --- 1024.41(c)(2)(iii) short-term options --------------------------------------------------------------------


def test_short_term_notice_safe_harbor_five_business_days() -> None:
    """1024.41(c)(2)(iii), comment -6: offered Fri 11-27 (after Thanksgiving) -> due Fri 12-04."""
    offer = event("short_term_option_offered", "2026-11-27", application_id="A1", option="forbearance")
    clocks = given(received("2026-11-20"), offer).when(
        event("short_term_option_notice_sent", "2026-12-01", application_id="A1")).on("2026-12-02")
    st = clock(clocks, "lm_short_term_notice")
    assert (st["due"], st["status"]) == ("2026-12-04", "met")


def test_short_term_notice_cancelled_when_the_borrower_rejects_first() -> None:
    """Rulebook §3: the notice duty stops once the borrower has rejected the offer."""
    offer = event("short_term_option_offered", "2026-11-27", application_id="A1", option="forbearance")
    reject = event("offer_rejected", "2026-11-30", option="forbearance")
    clocks = given(received("2026-11-20"), offer, reject).on("2026-12-10")
    assert clock(clocks, "lm_short_term_notice")["status"] == "cancelled"


def test_short_term_rejection_of_another_option_changes_nothing() -> None:
    """Only a rejection of the offered option stops the notice duty."""
    offer = event("short_term_option_offered", "2026-11-27", application_id="A1", option="forbearance")
    reject = event("offer_rejected", "2026-11-30", option="repayment_plan")
    clocks = given(received("2026-11-20"), offer, reject).on("2026-12-10")
    assert clock(clocks, "lm_short_term_notice")["status"] == "breached"


def test_short_term_notice_not_owed_by_a_small_servicer() -> None:
    """12 CFR 1024.30(b)(1): small servicers are exempt from 1024.41(c)(2)(iii)."""
    offer = event("short_term_option_offered", "2026-11-27", application_id="A1", option="forbearance")
    clocks = given(received("2026-11-20"), offer, small_servicer=True).on("2026-12-10")
    assert clock(clocks, "lm_short_term_notice")["status"] == "not_applicable"


# --- 1024.41(e) acceptance window ------------------------------------------------------------------------------


def offer_case(completion: str, offer_on: str, sale_date: str | None = None, **kw: object) -> list[dict]:
    before = [sale("2026-03-01", sale_date)] if sale_date else []
    return [*before, received("2026-03-02"), completed(completion), decided(offer_on, **kw)]


def test_accept_window_14_days_at_90_days_before_sale() -> None:
    """1024.41(e)(1): complete 90 days before the sale -> at least 14 days."""
    clocks = given(*offer_case("2026-07-02", "2026-07-20", "2026-09-30")).on("2026-07-21")
    assert clock(clocks, "lm_accept_window")["closes"] == "2026-08-03"


def test_accept_window_7_days_at_89_days_before_sale() -> None:
    """1024.41(e)(1): complete 89 days before the sale (38-89) -> at least 7 days."""
    clocks = given(*offer_case("2026-07-03", "2026-07-20", "2026-09-30")).on("2026-07-21")
    window = clock(clocks, "lm_accept_window")
    assert window["closes"] == "2026-07-27"
    assert any("needs more than 37: passes" in line for line in window["derivation"])


def test_no_acceptance_period_for_37_days_or_fewer() -> None:
    """1024.41(e)(1) sets no period when the complete application came 37 days or fewer before the sale."""
    clocks = given(*offer_case("2026-08-24", "2026-08-28", "2026-09-30")).on("2026-08-29")
    assert "sets no period" in clock(clocks, "lm_accept_window")["reason"]


def test_accept_window_met_by_the_answer_and_closed_without_one() -> None:
    """1024.41(e)(1)-(2): the window is met when answered, and met (closed without violation) after it closes."""
    base = offer_case("2026-05-01", "2026-05-20")
    answered = clock(given(*base, event("offer_accepted", "2026-05-25", option="repayment_plan")).on("2026-05-26"),
                     "lm_accept_window")
    assert (answered["status"], answered["met_on"]) == ("met", "2026-05-25")
    assert clock(given(*base).on("2026-06-03"), "lm_accept_window")["status"] == "open"
    assert clock(given(*base).on("2026-06-04"), "lm_accept_window")["status"] == "met"


def test_servicer_deadline_below_the_floor_is_flagged() -> None:
    """Rulebook §2.3: a servicer-set acceptance deadline earlier than the regulatory floor is a finding."""
    clocks = given(*offer_case("2026-05-01", "2026-05-20", acceptance_deadline="2026-05-27")).on("2026-05-21")
    window = clock(clocks, "lm_accept_window")
    assert window["closes"] == "2026-06-03" and window["flags"] == ["servicer_deadline_below_floor"]
    assert "earlier than the regulatory floor 2026-06-03" in window["finding"]


def test_appeal_extends_the_original_offer_and_an_offer_on_appeal_gets_14_days() -> None:
    """1024.41(e)(2)(iii) and (h)(4): both windows close 14 days after the appeal decision notice."""
    base = [*offer_case("2026-11-16", "2026-12-14", lm_denied=True),
            event("appeal_received", "2026-12-28", application_id="A1")]
    pending = clock(given(*base).on("2027-01-05"), "lm_accept_window")
    assert (pending["closes"], pending["status"], pending["flags"]) == (None, "open", ["pending_appeal"])
    reversed_on_appeal = event("appeal_decided", "2027-01-20", application_id="A1", outcome="reversed")
    clocks = given(*base, reversed_on_appeal).on("2027-01-22")
    assert clock(clocks, "lm_accept_window", trigger_type="evaluation_decided")["closes"] == "2027-02-03"
    assert clock(clocks, "lm_accept_window", trigger_type="appeal_decided")["closes"] == "2027-02-03"


def test_appeal_upheld_makes_no_offer_on_appeal() -> None:
    """1024.41(h)(4): only a reversed appeal carries a new offer."""
    clocks = given(*offer_case("2026-11-16", "2026-12-14", lm_denied=True),
                   event("appeal_received", "2026-12-20", application_id="A1"),
                   event("appeal_decided", "2027-01-10", application_id="A1", outcome="upheld")).on("2027-01-11")
    assert clock(clocks, "lm_accept_window", trigger_type="appeal_decided")["status"] == "not_applicable"


def test_denial_has_no_acceptance_window() -> None:
    """1024.41(e) needs an offer."""
    clocks = given(*offer_case("2026-05-01", "2026-05-20", outcome="denial")).on("2026-05-21")
    assert clock(clocks, "lm_accept_window")["reason"].startswith("no loss mitigation option was offered")


def test_offer_without_recorded_completion_is_flagged() -> None:
    """1024.41(e) protects offers on complete applications; a missing completion is flagged, never guessed."""
    clocks = given(received("2026-05-01"), decided("2026-05-20", lm_denied=True)).on("2026-05-21")
    assert clock(clocks, "lm_accept_window")["flags"] == ["no_completion_recorded"]
    assert clock(clocks, "lm_appeal_window")["flags"] == ["no_completion_recorded"]


# --- 1024.41(h) appeals ----------------------------------------------------------------------------------------


def test_appeal_window_14_days_at_90_days_before_sale_met_by_appeal() -> None:
    """1024.41(h)(1)-(2): modification denied, complete 90+ days before the sale -> 14 days to appeal."""
    history = given(*offer_case("2026-05-01", "2026-05-20", "2026-08-15", lm_denied=True))
    assert clock(history.on("2026-05-25"), "lm_appeal_window")["closes"] == "2026-06-03"
    appealed = history.when(event("appeal_received", "2026-06-01", application_id="A1")).on("2026-06-02")
    assert clock(appealed, "lm_appeal_window")["met_on"] == "2026-06-01"


def test_no_appeal_right_after_first_filing_and_under_90_days() -> None:
    """1024.41(h)(1): after the first filing and 89 days before the sale there is no appeal right."""
    clocks = given(event("first_notice_or_filing_made", "2026-05-04"),
                   *offer_case("2026-07-03", "2026-07-20", "2026-09-30", lm_denied=True)).on("2026-07-21")
    assert clock(clocks, "lm_appeal_window")["reason"].endswith("and after the first notice or filing")


def test_appeal_right_before_first_filing_even_under_90_days() -> None:
    """1024.41(h)(1): complete during the pre-foreclosure period -> appeal right whatever the sale date."""
    clocks = given(*offer_case("2026-07-03", "2026-07-20", "2026-09-30", lm_denied=True)).on("2026-07-21")
    assert clock(clocks, "lm_appeal_window")["closes"] == "2026-08-03"


def test_no_appeal_window_without_a_modification_denial() -> None:
    """1024.41(h)(1) concerns trial or permanent loan modification denials."""
    clocks = given(*offer_case("2026-05-01", "2026-05-20")).on("2026-05-21")
    assert clock(clocks, "lm_appeal_window")["reason"].startswith("no trial or permanent loan modification")


def test_denied_option_list_naming_a_modification_counts() -> None:
    """1024.41(h)(1): options_denied naming a trial modification is a modification denial."""
    clocks = given(*offer_case("2026-05-01", "2026-05-20", options_denied=["trial_modification"])).on("2026-05-21")
    assert clock(clocks, "lm_appeal_window")["status"] == "open"


def test_appeal_decision_due_30_days_after_the_appeal() -> None:
    """1024.41(h)(4): decided within 30 days; late decisions are breached."""
    history = given(*offer_case("2026-11-16", "2026-12-14", outcome="denial", lm_denied=True),
                    event("appeal_received", "2026-12-28", application_id="A1"))
    assert clock(history.on("2027-01-27"), "lm_appeal_decision")["status"] == "open"
    late = history.when(event("appeal_decided", "2027-02-01", application_id="A1", outcome="upheld"))
    assert clock(late.on("2027-02-02"), "lm_appeal_decision")["status"] == "breached"


def test_appeal_after_the_regulatory_window_is_flagged() -> None:
    """1024.41(h)(2) is a floor: a later appeal keeps its decision clock, flagged for review."""
    clocks = given(*offer_case("2026-11-16", "2026-12-14", outcome="denial", lm_denied=True),
                   event("appeal_received", "2027-01-05", application_id="A1")).on("2027-01-06")
    assert clock(clocks, "lm_appeal_decision")["flags"] == ["appeal_after_regulatory_window"]


def test_appeal_without_a_decision_is_flagged() -> None:
    """1024.41(h) concerns the appeal of an evaluation decision."""
    clocks = given(received("2026-11-02"), event("appeal_received", "2026-12-28", application_id="A1")).on("2027-01-06")
    assert clock(clocks, "lm_appeal_decision")["flags"] == ["appeal_without_decision"]


def test_appeal_decision_not_owed_without_an_appeal_right() -> None:
    """1024.41(h)(1): no appeal right after the first filing under 90 days -> no 30-day decision clock."""
    clocks = given(event("first_notice_or_filing_made", "2026-05-04"),
                   *offer_case("2026-07-03", "2026-07-20", "2026-09-30", outcome="denial", lm_denied=True),
                   event("appeal_received", "2026-07-25", application_id="A1")).on("2026-07-26")
    assert clock(clocks, "lm_appeal_decision")["status"] == "not_applicable"


# --- 1024.41(i) repeat applications ----------------------------------------------------------------------------


def complied_application(app: str = "A1") -> list[dict]:
    return [event("payment_missed", "2026-01-01", due_date="2026-01-01"), received("2026-02-02", app),
            acked("2026-02-04", app, return_by="2026-03-06"), completed("2026-02-16", app),
            event("complete_application_notice_sent", "2026-02-18", application_id=app),
            decided("2026-03-10", app, outcome="denial", lm_denied=True)]


def test_repeat_application_while_delinquent_throughout_is_duplicative() -> None:
    """1024.41(i), comment 41(i)-1: full compliance for A1 and continuous delinquency excuse A2 entirely."""
    clocks = given(*complied_application(), received("2026-04-20", "A2"),
                   completed("2026-04-22", "A2")).on("2026-05-01")
    for rule in ("lm_ack_notice", "lm_complete_notice", "lm_evaluate", "fc_referral_bar_complete_app"):
        excused = clock(clocks, rule, on="2026-04-20" if rule == "lm_ack_notice" else "2026-04-22")
        assert excused["status"] == "not_applicable" and excused["reason"].startswith("duplicative of A1")


def test_repeat_application_after_the_borrower_became_current_owes_everything() -> None:
    """Comment 41(i)-1: current at any time since A1 became complete -> full 1024.41 duties for the next one."""
    clocks = given(*complied_application(), event("installment_paid", "2026-04-01", due_date="2026-01-01"),
                   event("payment_missed", "2026-04-05", due_date="2026-04-01"),
                   received("2026-04-20", "A2")).on("2026-04-21")
    ack = clock(clocks, "lm_ack_notice", on="2026-04-20")
    assert ack["status"] == "open"
    note = "41(i): not duplicative of A1: the borrower was not delinquent on 2026-04-01 (comment 41(i)-1)"
    assert note in ack["derivation"]


def test_repeat_application_is_not_duplicative_when_the_servicer_fell_short() -> None:
    """1024.41(i): only full compliance for the earlier complete application excuses the new one."""
    history = [*complied_application()]
    history[2] = acked("2026-02-12", return_by="2026-03-06")  # acknowledgment after the 02-09 due date
    clocks = given(*history, received("2026-04-20", "A2")).on("2026-04-21")
    ack = clock(clocks, "lm_ack_notice", on="2026-04-20")
    assert ack["status"] == "open"
    assert any("did not fully comply (lm_ack_notice breached)" in line for line in ack["derivation"])


def test_repeat_application_before_the_first_was_evaluated_is_not_duplicative() -> None:
    """1024.41(i) speaks of a servicer that "has previously complied": the first must have been evaluated."""
    clocks = given(*complied_application()[:-1], received("2026-03-01", "A2")).on("2026-03-02")
    assert clock(clocks, "lm_ack_notice", on="2026-03-01")["status"] == "open"


def test_transferee_owes_a_full_review_of_a_repeat_application() -> None:
    """Comment 41(i)-2: a transferee is a different servicer; 41(i) does not carry over a transfer."""
    clocks = given(*complied_application(), event("servicing_transferred", "2026-03-20", direction="in",
                                                  transfer_date="2026-03-20"),
                   received("2026-04-20", "A2")).on("2026-04-21")
    ack = clock(clocks, "lm_ack_notice", on="2026-04-20")
    assert ack["status"] == "open" and any("comment 41(i)-2" in line for line in ack["derivation"])


def test_clocks_started_before_a_transfer_in_are_flagged_transferred() -> None:
    """1024.41(k): the transferor's clocks keep running for the record, flagged."""
    clocks = given(received("2026-11-20"), event("servicing_transferred", "2026-11-24", direction="in",
                                                 transfer_date="2026-11-24")).on("2026-11-25")
    assert clock(clocks, "lm_ack_notice")["flags"] == ["transferred"]
    assert "xfer_ack" in rules_of(clocks)

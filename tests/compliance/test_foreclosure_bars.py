"""Given/when/then tests of the foreclosure bars: the 120-day bar (1024.41(f)(1)) and the dual-tracking bars of
1024.41(f)(2) and (g) with their three release conditions."""

from __future__ import annotations

from tests.compliance.factories import clock, event, given


def missed(due: str, on: str | None = None) -> dict:
    return event("payment_missed", on or due, due_date=due)


def paid(due: str, on: str) -> dict:
    return event("installment_paid", on, due_date=due)


def filing(on: str) -> dict:
    return event("first_notice_or_filing_made", on)


def app(received: str, completed: str, app_id: str = "A1") -> list[dict]:
    return [event("application_received", received, application_id=app_id),
            event("application_completed", completed, application_id=app_id, facially=False)]


def decided(on: str, *, outcome: str = "denial", lm_denied: bool = True, **kw: object) -> dict:
    offered = ["repayment_plan"] if outcome == "offer" else []
    return event("evaluation_decided", on, application_id="A1", outcome=outcome, options_offered=offered,
                 loan_modification_denied=lm_denied, **kw)


# --- 1024.41(f)(1) 120-day bar ---------------------------------------------------------------------------------


def test_bar_lifts_on_oldest_unpaid_due_date_plus_121() -> None:
    """12 CFR 1024.41(f)(1)(i); rulebook §2.5: more than 120 days delinquent -> 01-01 + 121 = 05-02."""
    history = given(missed("2026-01-01"), missed("2026-02-01"))
    bar = clock(history.on("2026-05-01"), "fc_120_day_bar", on="2026-01-01")
    assert (bar["not_before"], bar["status"]) == ("2026-05-02", "open")
    assert clock(history.on("2026-05-02"), "fc_120_day_bar", on="2026-01-01")["status"] == "met"
    later = clock(history.on("2026-05-02"), "fc_120_day_bar", on="2026-02-01")
    assert later["status"] == "not_applicable" and "not the oldest unpaid" in later["reason"]


def test_first_filing_inside_the_bar_is_a_breach() -> None:
    """1024.41(f)(1): a first notice or filing on day 120 is too early."""
    clocks = given(missed("2026-01-01"), filing("2026-05-01")).on("2026-05-10")
    bar = clock(clocks, "fc_120_day_bar")
    assert bar["status"] == "breached" and "2026-05-01" in bar["finding"]


def test_paying_the_oldest_installment_moves_the_bar_and_cancels_the_old_one() -> None:
    """Comment 31 (Delinquency)-2: oldest-first application advances the start of delinquency."""
    clocks = given(missed("2026-02-01"), missed("2026-03-01"), paid("2026-02-01", "2026-03-10")).on("2026-06-15")
    old = clock(clocks, "fc_120_day_bar", on="2026-02-01")
    assert old["status"] == "cancelled" and "the bar now runs from the installment due 2026-03-01" in old["reason"]
    assert clock(clocks, "fc_120_day_bar", on="2026-03-01")["not_before"] == "2026-06-30"


def test_bar_cancelled_when_the_borrower_is_current() -> None:
    """1024.31: no periodic payment due and unpaid -> no delinquency, no bar."""
    clocks = given(missed("2026-02-01"), paid("2026-02-01", "2026-02-20")).on("2026-03-01")
    assert "the borrower is current" in clock(clocks, "fc_120_day_bar")["reason"]


def test_late_entered_miss_does_not_undo_a_later_payment() -> None:
    """1024.31: a payment_missed logged after the installment_paid, but dated before it, leaves it paid."""
    clocks = given(missed("2026-02-01"), paid("2026-01-01", "2026-01-20"), missed("2026-01-01")).on("2026-03-01")
    assert clock(clocks, "fc_120_day_bar", on="2026-01-01")["status"] == "cancelled"
    assert clock(clocks, "fc_120_day_bar", on="2026-02-01")["not_before"] == "2026-06-02"


def test_a_filing_is_judged_against_the_bar_that_stood_on_its_date() -> None:
    """1024.41(f)(1): a later payment does not cure a filing made inside the bar that then stood."""
    clocks = given(missed("2026-01-01"), missed("2026-02-01"), filing("2026-04-01"),
                   paid("2026-01-01", "2026-04-10")).on("2026-04-20")
    assert clock(clocks, "fc_120_day_bar", on="2026-01-01")["status"] == "breached"


def test_filing_while_current_with_a_payment_history_is_a_breach() -> None:
    """1024.41(f)(1): with nothing due and unpaid the borrower is not "more than 120 days delinquent"."""
    clocks = given(missed("2026-01-01"), paid("2026-01-01", "2026-01-20"), filing("2026-03-01")).on("2026-03-02")
    bar = clock(clocks, "fc_120_day_bar", trigger_type="first_notice_or_filing_made")
    assert (bar["status"], bar["flags"]) == ("breached", ["filing_without_delinquency"])


def test_filing_without_any_payment_history_is_flagged_not_judged() -> None:
    """Missing installment history is missing data, never proof of a violation."""
    clocks = given(filing("2026-03-01")).on("2026-03-02")
    bar = clock(clocks, "fc_120_day_bar", trigger_type="first_notice_or_filing_made")
    assert (bar["status"], bar["flags"]) == ("not_applicable", ["delinquency_history_missing"])


def test_small_servicers_are_bound_by_the_120_day_bar() -> None:
    """1024.30(b)(1), 1024.41(j): the 120-day bar binds small servicers too."""
    clocks = given(missed("2026-01-01"), small_servicer=True).on("2026-02-01")
    assert clock(clocks, "fc_120_day_bar")["status"] == "open"


def test_no_bar_for_a_property_that_is_not_the_principal_residence() -> None:
    """1024.30(c)(2): subpart C covers principal residences only."""
    clocks = given(missed("2026-01-01"), filing("2026-02-01"), principal_residence=False).on("2026-02-02")
    assert clock(clocks, "fc_120_day_bar")["status"] == "not_applicable"


def test_corrected_due_date_moves_the_bar() -> None:
    """CONTRACT §2 entry_corrected: a corrected due_date moves not_before."""
    fix = event("entry_corrected", "2026-02-10", corrects="m1", reason="wrong installment",
                replacement={"data": {"due_date": "2026-02-01"}})
    clocks = given(event("payment_missed", "2026-01-01", event_id="m1", due_date="2026-01-01"), fix).on("2026-02-11")
    assert clock(clocks, "fc_120_day_bar")["not_before"] == "2026-06-02"


# --- 1024.41(f)(2) referral bar ---------------------------------------------------------------------------------


def test_referral_bar_in_force_while_the_application_awaits_evaluation_and_breached_by_filing() -> None:
    """1024.41(f)(2): a complete application before the first filing bars the first filing (CC-DT-01)."""
    history = given(*app("2026-04-20", "2026-05-04"))
    open_bar = clock(history.on("2026-05-10"), "fc_referral_bar_complete_app")
    assert (open_bar["status"], open_bar["not_before"]) == ("open", None)
    breached = clock(history.when(filing("2026-05-20")).on("2026-05-25"), "fc_referral_bar_complete_app")
    assert breached["status"] == "breached" and breached["finding"].startswith("first_notice_or_filing_made")


def test_denial_releases_the_bar_after_the_unused_appeal_window() -> None:
    """1024.41(f)(2)(i): not eligible, appeal window lapsed -> earliest filing on denial notice + 15."""
    history = given(*app("2026-04-20", "2026-05-04"), decided("2026-05-20"))
    bar = clock(history.on("2026-06-03"), "fc_referral_bar_complete_app")
    assert (bar["not_before"], bar["status"]) == ("2026-06-04", "open")
    assert clock(history.on("2026-06-04"), "fc_referral_bar_complete_app")["status"] == "met"
    legal = history.when(filing("2026-06-04")).on("2026-06-05")
    assert clock(legal, "fc_referral_bar_complete_app")["status"] == "met"


def test_denial_without_a_modification_denied_releases_the_bar_the_next_day() -> None:
    """1024.41(f)(2)(i), (h)(1): the appeal right concerns a denied loan modification only; a denial of other
    options alone leaves no appeal window to wait for, so a filing two days later is lawful."""
    history = given(*app("2026-04-20", "2026-05-04"), decided("2026-05-20", lm_denied=False,
                                                              options_denied=["repayment_plan"]))
    bar = clock(history.when(filing("2026-05-22")).on("2026-06-10"), "fc_referral_bar_complete_app")
    assert (bar["not_before"], bar["status"]) == ("2026-05-21", "met")
    assert "no appeal right" in bar["derivation"][-1]


def test_an_appeal_without_an_appeal_right_neither_holds_the_bar_nor_starts_a_decision_clock() -> None:
    """1024.41(h)(1), (h)(4): no modification was denied, so an appeal the borrower files anyway is not a 41(h)
    appeal: lm_appeal_decision does not apply and the referral bar still lifts the day after the denial."""
    history = given(*app("2026-04-20", "2026-05-04"), decided("2026-05-20", lm_denied=False),
                    event("appeal_received", "2026-05-25", application_id="A1")).on("2026-07-10")
    assert clock(history, "fc_referral_bar_complete_app")["not_before"] == "2026-05-21"
    decision = clock(history, "lm_appeal_decision")
    assert decision["status"] == "not_applicable" and "1024.41(h)(1)" in decision["reason"]


def test_pending_appeal_keeps_the_bar_and_an_upheld_appeal_releases_it() -> None:
    """1024.41(f)(2)(i): the bar lifts once the appeal is denied."""
    history = given(*app("2026-04-20", "2026-05-04"), decided("2026-05-20"),
                    event("appeal_received", "2026-05-25", application_id="A1"))
    assert clock(history.on("2026-06-10"), "fc_referral_bar_complete_app")["not_before"] is None
    upheld = history.when(event("appeal_decided", "2026-06-15", application_id="A1", outcome="upheld"))
    assert clock(upheld.on("2026-06-20"), "fc_referral_bar_complete_app")["not_before"] == "2026-06-16"


def test_reversed_appeal_is_an_offer_released_when_its_window_closes() -> None:
    """1024.41(h)(4), (f)(2)(ii): an offer on appeal, unanswered, is deemed rejected 14 days after the decision."""
    clocks = given(*app("2026-04-20", "2026-05-04"), decided("2026-05-20"),
                   event("appeal_received", "2026-05-25", application_id="A1"),
                   event("appeal_decided", "2026-06-15", application_id="A1", outcome="reversed")).on("2026-06-20")
    assert clock(clocks, "fc_referral_bar_complete_app")["not_before"] == "2026-06-30"


def test_rejected_offer_releases_the_bar() -> None:
    """1024.41(f)(2)(ii): the borrower rejected all offers."""
    clocks = given(*app("2026-04-20", "2026-05-04"), decided("2026-05-20", outcome="offer", lm_denied=False),
                   event("offer_rejected", "2026-05-22", option="repayment_plan")).on("2026-05-25")
    bar = clock(clocks, "fc_referral_bar_complete_app")
    assert (bar["not_before"], bar["status"]) == ("2026-05-23", "met")


def test_accepted_offer_keeps_the_bar_until_the_borrower_fails_to_perform() -> None:
    """1024.41(f)(2)(iii): performing keeps the bar; failure to perform releases it."""
    history = given(*app("2026-04-20", "2026-05-04"), decided("2026-05-20", outcome="offer", lm_denied=False),
                    event("offer_accepted", "2026-05-22", option="repayment_plan"))
    assert clock(history.on("2026-06-01"), "fc_referral_bar_complete_app")["not_before"] is None
    failed = history.when(event("option_failed", "2026-08-01", option="repayment_plan"))
    assert clock(failed.on("2026-08-05"), "fc_referral_bar_complete_app")["not_before"] == "2026-08-02"


def test_completed_option_ends_the_bar_with_a_flag() -> None:
    """41(f)(2) names no release for a completed option; the bar ends with the application, flagged."""
    clocks = given(*app("2026-04-20", "2026-05-04"), decided("2026-05-20", outcome="offer", lm_denied=False),
                   event("offer_accepted", "2026-05-22", option="repayment_plan"),
                   event("option_completed", "2026-09-01", option="repayment_plan")).on("2026-09-05")
    bar = clock(clocks, "fc_referral_bar_complete_app")
    assert (bar["status"], bar["flags"]) == ("met", ["released_by_completion"])


def test_unanswered_offer_with_modification_denial_waits_for_the_appeal_window() -> None:
    """1024.41(e)(1), (h)(2): with an appeal right the offer stays open until both periods close."""
    clocks = given(*app("2026-04-20", "2026-05-04"), decided("2026-05-20", outcome="offer",
                                                             acceptance_deadline="2026-06-10")).on("2026-05-25")
    assert clock(clocks, "fc_referral_bar_complete_app")["not_before"] == "2026-06-11"


def test_offer_with_a_pending_appeal_keeps_the_bar() -> None:
    """1024.41(e)(2)(iii): the acceptance period runs until 14 days after the appeal decision."""
    history = given(*app("2026-04-20", "2026-05-04"), decided("2026-05-20", outcome="offer"),
                    event("appeal_received", "2026-05-30", application_id="A1"))
    assert clock(history.on("2026-06-10"), "fc_referral_bar_complete_app")["not_before"] is None
    decided_appeal = history.when(event("appeal_decided", "2026-06-12", application_id="A1", outcome="upheld"))
    assert clock(decided_appeal.on("2026-06-13"), "fc_referral_bar_complete_app")["not_before"] == "2026-06-27"


def test_referral_bar_not_for_applications_completed_after_the_first_filing() -> None:
    """1024.41(f)(2) covers applications complete before the first notice or filing; 41(g) covers later ones."""
    clocks = given(filing("2026-03-01"), *app("2026-04-20", "2026-05-04")).on("2026-05-10")
    assert clock(clocks, "fc_referral_bar_complete_app")["status"] == "not_applicable"


def test_bar_runs_from_the_first_facial_completion() -> None:
    """1024.41(c)(2)(iv): (f)(2) and (g) are fixed on the facially complete date; later completions add no bar."""
    clocks = given(*app("2026-04-20", "2026-05-04"),
                   event("additional_information_requested", "2026-05-08", application_id="A1"),
                   event("application_completed", "2026-05-15", application_id="A1")).on("2026-05-20")
    assert clock(clocks, "fc_referral_bar_complete_app", on="2026-05-04")["status"] == "open"
    later = clock(clocks, "fc_referral_bar_complete_app", on="2026-05-15")
    assert later["reason"].startswith("the bar runs from the first completion on 2026-05-04")


# --- 1024.41(g) sale bar ----------------------------------------------------------------------------------------


def post_filing(completed: str, sale_date: str = "2026-09-30") -> list[dict]:
    return [filing("2026-04-06"), event("foreclosure_sale_scheduled", "2026-05-01", sale_date=sale_date),
            *app("2026-06-01", completed)]


def test_sale_bar_in_force_at_38_days_and_breached_by_a_motion() -> None:
    """1024.41(g): complete after the first filing and more than 37 days before the sale."""
    history = given(*post_filing("2026-08-23"))
    assert clock(history.on("2026-08-24"), "fc_sale_bar_dual_tracking")["status"] == "open"
    motion = history.when(event("foreclosure_motion_filed", "2026-08-30")).on("2026-09-01")
    assert clock(motion, "fc_sale_bar_dual_tracking")["status"] == "breached"


def test_sale_bar_not_applicable_at_37_days() -> None:
    """1024.41(g), comment 41(g)-4: 37 days is not more than 37."""
    clocks = given(*post_filing("2026-08-24")).on("2026-08-26")
    assert "needs more than 37" in clock(clocks, "fc_sale_bar_dual_tracking")["reason"]


def test_sale_bar_released_at_once_when_there_is_no_appeal_right() -> None:
    """1024.41(f)(2)(i)/(g)(1): not eligible and the appeal process does not apply (60 days, after filing)."""
    clocks = given(*post_filing("2026-08-01"), decided("2026-08-20")).on("2026-08-22")
    bar = clock(clocks, "fc_sale_bar_dual_tracking")
    assert (bar["not_before"], bar["status"]) == ("2026-08-21", "met")


def test_sale_bar_released_after_a_seven_day_acceptance_period() -> None:
    """1024.41(e)(1): complete 38-89 days before the sale -> 7 days, then deemed rejected (41(g)(2))."""
    clocks = given(*post_filing("2026-08-01"), decided("2026-08-10", outcome="offer", lm_denied=False),
                   event("foreclosure_sale_held", "2026-09-30")).on("2026-09-30")
    bar = clock(clocks, "fc_sale_bar_dual_tracking")
    assert (bar["not_before"], bar["status"]) == ("2026-08-18", "met")


def test_sale_held_while_the_bar_stands_is_a_breach() -> None:
    """1024.41(g): no sale while the complete application is pending."""
    clocks = given(*post_filing("2026-08-01"), event("foreclosure_sale_held", "2026-08-20")).on("2026-08-21")
    assert clock(clocks, "fc_sale_bar_dual_tracking")["finding"].startswith("foreclosure_sale_held on 2026-08-20")

"""Given/when/then tests of the transferee's duties under 1024.41(k): acknowledgment (k)(2), pending complete
application (k)(3) and pending appeal (k)(4)."""

from __future__ import annotations

from tests.compliance.factories import clock, event, given


def transfer(on: str, direction: str = "in") -> dict:
    return event("servicing_transferred", on, direction=direction, transfer_date=on)


def received(on: str, app: str = "A1") -> dict:
    return event("application_received", on, application_id=app)


def completed(on: str, app: str = "A1") -> dict:
    return event("application_completed", on, application_id=app, facially=False)


def denial(on: str, app: str = "A1") -> dict:
    return event("evaluation_decided", on, application_id=app, outcome="denial", options_denied=["loan_modification"],
                 loan_modification_denied=True)


# --- 1024.41(k)(2) acknowledgment ------------------------------------------------------------------------------


def test_transferee_acknowledges_within_10_business_days_of_the_transfer() -> None:
    """12 CFR 1024.41(k)(2)(i): transfer 11-24 + 10 Reg X business days across Thanksgiving = 12-09."""
    clocks = given(received("2026-11-20"), transfer("2026-11-24")).on("2026-11-25")
    xfer = clock(clocks, "xfer_ack")
    assert (xfer["due"], xfer["status"]) == ("2026-12-09", "open")


def test_first_filing_not_after_the_transferees_disclosed_reasonable_date_is_a_breach() -> None:
    """1024.41(k)(2)(ii): no first notice or filing until after the reasonable date the transferee discloses;
    before any acknowledgment there is no such date yet, so a filing then is barred too."""
    ack = event("application_acknowledged", "2026-12-01", application_id="A1", complete=False, return_by="2026-12-31")
    filing = event("first_notice_or_filing_made", "2026-12-31")
    after = event("first_notice_or_filing_made", "2027-01-01")
    history = given(received("2026-11-20"), transfer("2026-11-24"), ack)
    barred = clock(history.when(filing).on("2027-01-05"), "xfer_ack")
    assert barred["status"] == "breached"
    assert barred["finding"] == ("first notice or filing on 2026-12-31, not after the disclosed reasonable date "
                                 "2026-12-31 (12 CFR 1024.41(k)(2)(ii))")
    assert clock(history.when(after).on("2027-01-05"), "xfer_ack")["status"] == "met"
    soon = event("first_notice_or_filing_made", "2026-11-27")
    early = clock(given(received("2026-11-20"), transfer("2026-11-24"), soon).on("2026-11-30"), "xfer_ack")
    assert "before the transferee acknowledged" in early["finding"]


def test_application_complete_by_the_transferees_date_gets_c_and_g_even_35_days_before_the_sale() -> None:
    """1024.41(k)(2)(ii): completed by the reasonable date the transferee disclosed, the application gets the
    (c) evaluation and notice and the (g) sale bar even though it was complete only 35 days before the sale."""
    ack = event("application_acknowledged", "2026-08-20", application_id="A1", complete=False, return_by="2026-08-27")
    history = given(event("foreclosure_sale_scheduled", "2026-08-01", sale_date="2026-09-30"), received("2026-08-11"),
                    transfer("2026-08-13"), ack, event("first_notice_or_filing_made", "2026-07-01"),
                    completed("2026-08-26"), event("foreclosure_motion_filed", "2026-09-01")).on("2026-09-05")
    assert (clock(history, "lm_evaluate")["due"], clock(history, "lm_evaluate")["status"]) == ("2026-09-25", "open")
    assert "12 CFR 1024.41(k)(2)(ii)" in clock(history, "lm_evaluate")["derivation"][-1]
    assert clock(history, "lm_complete_notice")["status"] == "breached"
    assert clock(history, "fc_sale_bar_dual_tracking")["status"] == "breached"
    late = given(event("foreclosure_sale_scheduled", "2026-08-01", sale_date="2026-09-30"), received("2026-08-11"),
                 transfer("2026-08-13"), ack, completed("2026-08-28")).on("2026-09-05")
    assert clock(late, "lm_evaluate")["status"] == "not_applicable"


def test_transferee_ack_met_by_an_acknowledgment_after_the_transfer() -> None:
    """1024.41(k)(2)(i): the transferee's acknowledgment notice satisfies the clock."""
    ack = event("application_acknowledged", "2026-12-01", application_id="A1", complete=False, return_by="2026-12-31")
    clocks = given(received("2026-11-20"), transfer("2026-11-24"), ack).on("2026-12-02")
    assert clock(clocks, "xfer_ack")["status"] == "met"


def test_no_transferee_ack_when_the_transferor_acknowledged() -> None:
    """1024.41(k)(2)(i) applies only when the transferor had not provided the notice."""
    ack = event("application_acknowledged", "2026-11-23", application_id="A1", complete=True)
    clocks = given(received("2026-11-20"), ack, transfer("2026-11-24")).on("2026-11-25")
    assert clock(clocks, "xfer_ack")["reason"].startswith("the transferor acknowledged A1")


def test_no_transferee_ack_once_the_transferors_period_ran_out() -> None:
    """1024.41(k)(2)(i): the transferor's 5-day period had expired at transfer (its own clock is breached)."""
    clocks = given(received("2026-11-02"), transfer("2026-11-20")).on("2026-11-25")
    assert "ran out on 2026-11-09" in clock(clocks, "xfer_ack")["reason"]


def test_transferor_period_unexpired_under_either_calendar_reading() -> None:
    """Received Thu 2026-07-02: the period ends 07-09 (us-6103a) or 07-10 (observed); a 07-10 transfer counts."""
    clocks = given(received("2026-07-02"), transfer("2026-07-10")).on("2026-07-13")
    xfer = clock(clocks, "xfer_ack")
    assert xfer["status"] == "open" and any("ran to 2026-07-10" in line for line in xfer["derivation"])


def test_no_transferee_ack_for_an_application_received_44_days_before_sale() -> None:
    """1024.41(k)(2)(i) follows the transferor's (b)(2)(i)(B) duty, owed only 45 or more days before a sale."""
    clocks = given(event("foreclosure_sale_scheduled", "2026-06-01", sale_date="2026-09-30"), received("2026-08-17"),
                   transfer("2026-08-18")).on("2026-08-19")
    assert "44 days before the sale" in clock(clocks, "xfer_ack")["reason"]


def test_transfer_out_owes_no_transferee_duties() -> None:
    """1024.41(k) binds the transferee; this servicer's transfer out leaves the duties with the new servicer."""
    clocks = given(received("2026-11-20"), transfer("2026-11-24", direction="out")).on("2026-11-25")
    for rule in ("xfer_ack", "xfer_complete_pending", "xfer_appeal"):
        assert clock(clocks, rule)["reason"].startswith("servicing was transferred out")


def test_two_unanswered_applications_behind_one_transfer_are_flagged() -> None:
    """Two applications in flight share the transfer-keyed clock id: one clock, flagged for review."""
    clocks = given(received("2026-11-19", "A1"), received("2026-11-20", "A2"), transfer("2026-11-24")).on("2026-11-25")
    assert clock(clocks, "xfer_ack")["flags"] == ["multiple_applications"]


def test_no_application_before_the_transfer() -> None:
    """1024.41(k)(2) needs an application received by the transferor."""
    clocks = given(transfer("2026-11-24")).on("2026-11-25")
    assert clock(clocks, "xfer_ack")["status"] == "not_applicable"


# --- 1024.41(k)(3) complete application pending at transfer ----------------------------------------------------


def test_pending_complete_application_evaluated_within_30_days_of_transfer() -> None:
    """1024.41(k)(3): transfer 12-15 + 30 calendar days = 2027-01-14."""
    history = given(received("2026-11-16"), completed("2026-12-01"), transfer("2026-12-15"))
    assert clock(history.on("2026-12-20"), "xfer_complete_pending")["due"] == "2027-01-14"
    evaluated = history.when(denial("2027-01-05")).on("2027-01-06")
    assert clock(evaluated, "xfer_complete_pending")["status"] == "met"


def test_nothing_pending_when_the_transferor_already_decided() -> None:
    """1024.41(k)(3): an application evaluated before the transfer is not pending."""
    clocks = given(received("2026-11-16"), completed("2026-12-01"), denial("2026-12-10"),
                   transfer("2026-12-15")).on("2026-12-20")
    assert clock(clocks, "xfer_complete_pending")["status"] == "not_applicable"


def test_nothing_pending_while_more_information_is_outstanding() -> None:
    """41(c)(2)(iv): after a request for more information the application is not complete until completed again."""
    clocks = given(received("2026-11-16"), completed("2026-12-01"),
                   event("additional_information_requested", "2026-12-05", application_id="A1"),
                   transfer("2026-12-15")).on("2026-12-20")
    assert clock(clocks, "xfer_complete_pending")["status"] == "not_applicable"


def test_pending_application_complete_37_days_before_sale_owes_no_evaluation() -> None:
    """1024.41(k)(3) imports the applicable (c)(1) duty, which needs more than 37 days before the sale."""
    clocks = given(event("foreclosure_sale_scheduled", "2026-06-01", sale_date="2026-09-30"), received("2026-08-20"),
                   completed("2026-08-24"), transfer("2026-08-26")).on("2026-08-27")
    assert "needs more than 37" in clock(clocks, "xfer_complete_pending")["reason"]


# --- 1024.41(k)(4) appeals -------------------------------------------------------------------------------------


def appeal_case() -> list[dict]:
    return [received("2026-10-05"), completed("2026-11-02"), denial("2026-11-30"),
            event("appeal_received", "2026-12-10", application_id="A1")]


def test_appeal_pending_at_transfer_keyed_on_the_later_transfer() -> None:
    """1024.41(k)(4)(i): the later of transfer + 30 and appeal + 30 (12-15 + 30 = 2027-01-14)."""
    clocks = given(*appeal_case(), transfer("2026-12-15")).on("2026-12-20")
    xfer = clock(clocks, "xfer_appeal")
    assert (xfer["trigger"]["type"], xfer["due"]) == ("servicing_transferred", "2027-01-14")


def test_appeal_after_transfer_keyed_on_the_later_appeal() -> None:
    """1024.41(k)(4)(i): an appeal made after the transfer against the transferor's decision: appeal + 30."""
    history = appeal_case()[:-1]
    clocks = given(*history, transfer("2026-12-03"),
                   event("appeal_received", "2026-12-10", application_id="A1")).on("2026-12-20")
    xfer = clock(clocks, "xfer_appeal")
    assert (xfer["trigger"]["type"], xfer["due"]) == ("appeal_received", "2027-01-09")


def test_appeal_decided_before_transfer_is_not_pending() -> None:
    """1024.41(k)(4) concerns appeals unresolved on the transfer date."""
    clocks = given(*appeal_case(), event("appeal_decided", "2026-12-12", application_id="A1", outcome="upheld"),
                   transfer("2026-12-15")).on("2026-12-20")
    assert clock(clocks, "xfer_appeal")["reason"].startswith("the transferor decided the appeal")


def test_transferee_appeal_decision_met() -> None:
    """1024.41(k)(4)(i): the transferee's appeal decision satisfies the clock."""
    clocks = given(*appeal_case(), transfer("2026-12-15"),
                   event("appeal_decided", "2027-01-10", application_id="A1", outcome="upheld")).on("2027-01-11")
    assert clock(clocks, "xfer_appeal")["status"] == "met"

"""The application fold (1024.41 per application_id), sale proximity (rulebook §2.4), the named predicates and the
41(i) delinquency test, on parsed case files."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from zoneinfo import ZoneInfo

import pytest

from compliance.applications import answers_for, applications, precedes
from compliance.casefile import parse_casefile
from compliance.duplicates import first_day_current
from compliance.engine import evaluate
from compliance.evaluation import Evaluation
from compliance.history import History, effective_history
from compliance.predicates import PREDICATES, Facts, first_failure, not_in_force
from compliance.proximity import Proximity, proximity
from compliance.rulebook import RULES, rule
from tests.compliance.factories import casefile, event
from timelines.calendar import calendar_for

LM_RULES = {r.id for r in RULES if r.id.startswith(("lm_", "fc_", "xfer_"))}


def history_of(*events: dict) -> History:
    parsed = parse_casefile(casefile(*events, as_of="2026-12-31"), default_as_of=date(2026, 12, 31))
    return effective_history(parsed.events, ZoneInfo("America/New_York"))


def evaluation_of(*events: dict, as_of: str = "2026-12-31") -> Evaluation:
    parsed = parse_casefile(casefile(*events, as_of=as_of), default_as_of=date(2026, 12, 31))
    return evaluate(parsed.case_id, parsed.profile, parsed.events, calendar_for("us-6103a"), parsed.as_of)


def test_every_applies_when_name_of_my_rules_is_a_registered_predicate() -> None:
    """The engine interprets rule rows: each named predicate of a 1024.41 row must exist."""
    names = {name for r in RULES if r.id in LM_RULES for name in r.applies_when}
    assert names <= set(PREDICATES), names - set(PREDICATES)


def test_applications_group_by_id_and_order_by_receipt() -> None:
    """Each application_id is one life, ordered by its receipt date, late entries by their legal date."""
    hist = history_of(
        event("application_received", "2026-03-05", application_id="B"),
        event("application_received", "2026-03-01", application_id="A"),
        event("application_completed", "2026-03-04", application_id="A"),
        event("application_acknowledged", "2026-03-03", application_id="A", complete=False),
        event("payment_missed", "2026-03-01", due_date="2026-03-01"),
    )
    lives = applications(hist)
    assert [life.application_id for life in lives] == ["A", "B"]
    assert [e.type for e in lives[0].events] == ["application_received", "application_acknowledged",
                                                 "application_completed"]
    assert precedes(lives[0].events[0], lives[0].events[1])


def test_opened_on_without_a_receipt_is_the_first_recorded_event() -> None:
    """An application known only from its completion opens on that date."""
    life = applications(history_of(event("application_completed", "2026-03-04", application_id="A")))[0]
    assert (life.received, life.opened_on, life.decisions) == (None, date(2026, 3, 4), ())


def test_information_request_belongs_to_the_completion_before_it() -> None:
    """41(c)(2)(iv): a request supersedes only the completion it follows, until the next completion."""
    life = applications(history_of(
        event("application_completed", "2026-03-02", application_id="A", facially=True),
        event("additional_information_requested", "2026-03-05", application_id="A"),
        event("application_completed", "2026-03-10", application_id="A"),
    ))[0]
    first, second = life.completions
    assert life.information_request_after(first) is not None
    assert life.information_request_after(second) is None
    assert life.next_completion(second) is None


def test_request_after_a_later_completion_does_not_reach_back() -> None:
    """41(c)(2)(iv): a request after the second completion says nothing about the first."""
    life = applications(history_of(
        event("application_completed", "2026-03-02", application_id="A", facially=True),
        event("application_completed", "2026-03-10", application_id="A"),
        event("additional_information_requested", "2026-03-12", application_id="A"),
    ))[0]
    first, second = life.completions
    assert life.information_request_after(first) is None
    assert life.information_request_after(second) is not None


def test_pending_completion_cleared_by_a_decision_or_a_request() -> None:
    """41(k)(3): pending means complete and neither evaluated nor reopened by a request on that day."""
    life = applications(history_of(
        event("application_completed", "2026-03-02", application_id="A"),
        event("additional_information_requested", "2026-03-05", application_id="A"),
        event("application_completed", "2026-03-10", application_id="A"),
        event("evaluation_decided", "2026-03-20", application_id="A", outcome="denial"),
    ))[0]
    assert [life.pending_completion_on(date(2026, 3, d)) is not None for d in (1, 3, 6, 12, 21)] == [
        False, True, False, True, False]


def test_answers_without_an_application_id_are_attributed() -> None:
    """offer_accepted/offer_rejected may omit application_id (CONTRACT §2); they still answer the offer."""
    hist = history_of(event("offer_rejected", "2026-03-02", option="forbearance"),
                      event("offer_accepted", "2026-03-03", option="forbearance", application_id="B"))
    assert [e.type for e in answers_for(hist, "A", ("offer_rejected", "offer_accepted"))] == ["offer_rejected"]


@pytest.mark.parametrize(
    ("receipt", "threshold", "passes"),
    [("2026-08-16", 45, True), ("2026-08-17", 45, False), ("2026-08-23", 38, True), ("2026-08-24", 38, False),
     ("2026-07-02", 90, True), ("2026-07-03", 90, False)],
)
def test_sale_proximity_boundaries(receipt: str, threshold: int, passes: bool) -> None:
    """Rulebook §2.4: sale 2026-09-30; >=45 (45/44), >37 (38/37), >=90 (90/89)."""
    near = Proximity(date.fromisoformat(receipt), date(2026, 9, 30))
    assert near.at_least(threshold) is passes
    assert (near.reason(threshold, what="received", cite="x") is None) is passes
    assert near.line(threshold, what="received", cite="x").endswith("passes" if passes else "fails")


def test_no_sale_passes_every_proximity_test() -> None:
    """Rulebook §2.4 / comment 41(b)(2)(i)-1: no sale scheduled is the most protective reading."""
    near = proximity(history_of(), date(2026, 3, 1))
    assert (near.days, near.at_least(90), near.reason(90, what="complete", cite="x")) == (None, True, None)
    assert "no foreclosure sale scheduled" in near.line(90, what="complete", cite="x")


def test_rule_effective_dates_decide_applicability() -> None:
    """Rulebook §5: a trigger before effective_from or after effective_to is judged by no version of the rule."""
    row = rule("lm_complete_notice")
    assert not_in_force(row, date(2017, 10, 19)) is None
    assert "took effect on 2017-10-19" in str(not_in_force(row, date(2017, 10, 18)))
    ended = replace(row, effective_to=date(2020, 1, 1))
    assert "ceased to apply on 2020-01-01" in str(not_in_force(ended, date(2020, 1, 1)))


def test_predicates_without_an_application_say_why() -> None:
    """The transfer and completion predicates name what is missing instead of failing silently."""
    ev = evaluation_of(event("servicing_transferred", "2026-03-01", direction="in", transfer_date="2026-03-01"))
    transfer = ev.history.events[0]
    for name in ("transferor_ack_period_unexpired", "complete_application_pending_at_transfer",
                 "appeal_pending_at_transfer"):
        assert PREDICATES[name](Facts(ev, rule("xfer_ack"), transfer, transfer=transfer)) is not None
    assert PREDICATES["complete_notice_required_41c3ii"](Facts(ev, rule("lm_complete_notice"), transfer)) is None
    never_complete = applications(history_of(event("application_received", "2026-02-01", application_id="A")))[0]
    pending = Facts(ev, rule("xfer_complete_pending"), transfer, life=never_complete, transfer=transfer)
    assert "had no complete application pending" in str(PREDICATES["complete_application_pending_at_transfer"](pending))
    assert first_failure(Facts(ev, rule("xfer_ack"), transfer)) is not None


def test_first_day_current_finds_the_gap_in_delinquency() -> None:
    """Comment 41(i)-1 "delinquent at all times since": the first day with nothing due and unpaid."""
    hist = history_of(event("payment_missed", "2026-01-01", due_date="2026-01-01"),
                      event("installment_paid", "2026-02-10", due_date="2026-01-01"),
                      event("payment_missed", "2026-03-01", due_date="2026-03-01"))
    assert first_day_current(hist, date(2026, 1, 5), date(2026, 3, 5)) == date(2026, 2, 10)
    assert first_day_current(hist, date(2026, 1, 5), date(2026, 2, 1)) is None
    assert first_day_current(hist, date(2026, 2, 15), date(2026, 3, 5)) == date(2026, 2, 15)

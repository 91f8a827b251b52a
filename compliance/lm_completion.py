"""1024.41(c): the notice of complete application, the 30-day evaluation and the third-party delay notice."""

from __future__ import annotations

from compliance.applications import ApplicationLife, precedes
from compliance.clock import Clock, Status, then
from compliance.deadlines import deadline
from compliance.duplicates import Screened
from compliance.envelope import CaseEvent
from compliance.evaluation import Evaluation
from compliance.periods import annotate, cancelled, not_applicable
from compliance.predicates import Facts, first_failure, transferee_date_lines
from compliance.proximity import proximity, proximity_lines
from compliance.rulebook import Rule, rule

COMPLETE_NOTICE = rule("lm_complete_notice")
EVALUATE = rule("lm_evaluate")
THIRD_PARTY = rule("lm_third_party_delay_notice")


def complete_notice(ev: Evaluation, screened: Screened, completion: CaseEvent) -> Clock:
    """41(c)(3)(i): notice within 5 business days of every completion (comment 41(c)(3)(i)-3)."""
    life = screened.life
    # (c)(3)(ii)(B) asks whether it was "complete or facially complete" more than 37 days before the sale.
    first = life.first_completion or completion
    facts = Facts(ev, COMPLETE_NOTICE, completion, life=life, measured_on=first.on, excused=screened.excused)
    what = "complete" if first.id == completion.id else "first (facially) complete"
    steps = proximity_lines(facts.proximity(), 38, what=what, cite=COMPLETE_NOTICE.citation,
                            more=(*transferee_date_lines(facts), *screened.notes))
    reason = first_failure(facts)
    if reason is not None:
        return not_applicable(ev, COMPLETE_NOTICE, completion, reason, steps=steps)
    # An acknowledgment saying "complete" sent after the completion is the notice (41(c)(3)(ii)(A)).
    answers = [
        e for e in life.after(completion, "complete_application_notice_sent", "application_acknowledged")
        if e.type == "complete_application_notice_sent" or e.data.complete  # type: ignore[attr-defined]
    ]
    # key=application_id: with no answer found here, no other application's notice may stand in for one.
    return deadline(ev, COMPLETE_NOTICE, completion, key="application_id", satisfier=answers[0] if answers else None,
                    extra_steps=steps)


def evaluate(ev: Evaluation, screened: Screened, completion: CaseEvent) -> Clock:
    """41(c)(1): evaluate within 30 days of actual completion, if complete more than 37 days before a sale."""
    clock = _evaluation_clock(ev, screened, completion, EVALUATE)
    return _third_party_excuse(screened.life, clock) if clock.status == "breached" else clock


def third_party_delay_notice(ev: Evaluation, screened: Screened, completion: CaseEvent) -> Clock:
    """41(c)(4)(ii)(B): notice of a third-party delay within the 30 days (met by the evaluation itself)."""
    return _evaluation_clock(ev, screened, completion, THIRD_PARTY)


def _evaluation_clock(ev: Evaluation, screened: Screened, completion: CaseEvent, which: Rule) -> Clock:
    life = screened.life
    # 41(c)(2)(iv): the (c) clock runs from actual completion, unlike (d)-(h), fixed on facial completeness.
    facts = Facts(ev, which, completion, life=life, measured_on=completion.on, excused=screened.excused)
    steps = proximity_lines(facts.proximity(), 38, what="complete", cite=which.citation,
                            more=(*transferee_date_lines(facts), *screened.notes))
    flags = _proximity_disagreement(ev, life, completion)
    reason = first_failure(facts)
    if reason is not None:
        return not_applicable(ev, which, completion, reason, steps=then(steps, flags[1]), flags=flags[0])
    clock = annotate(deadline(ev, which, completion, key="application_id", extra_steps=steps),
                     steps=flags[1], flags=flags[0])
    request = _superseding_request(life, completion)
    if request is None:
        return clock
    later = life.next_completion(completion)
    completed = f"completed on {later.on}" if later else "not completed yet"
    reason = (f"superseded: more information requested on {request.on} after completeness on {completion.on}; "
              f"the 30-day evaluation runs from actual completion ({completed}) (12 CFR 1024.41(c)(2)(iv))")
    return annotate(cancelled(clock, reason=reason), flags=() if later else ("awaiting_additional_information",))


def _superseding_request(life: ApplicationLife, completion: CaseEvent) -> CaseEvent | None:
    request = life.information_request_after(completion)
    decisions = life.after(completion, "evaluation_decided")
    if request is None or (decisions and precedes(decisions[0], request)):
        return None
    return request


def _proximity_disagreement(
    ev: Evaluation, life: ApplicationLife, completion: CaseEvent
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    # (c)(1) is measured on actual completion (not in the (c)(2)(iv) list); say so when facial completeness differs.
    first = life.first_completion
    if first is None or first.on == completion.on:
        return (), ()
    facial = proximity(ev.history, first.on).at_least(38)
    if facial == proximity(ev.history, completion.on).at_least(38):
        return (), ()
    line = (f"ambiguous: measured on facial completeness ({first.on}) the 37-day test gives the opposite answer; "
            "1024.41(c)(2)(iv) fixes (d)-(h) on that date but not (c), so actual completion is used")
    return ("proximity_dates_disagree",), (line,)


def _third_party_excuse(life: ApplicationLife, clock: Clock) -> Clock:
    # 41(c)(4)(ii): a timely third-party delay notice lets the determination follow "promptly" after day 30.
    due = clock.due
    notices = [n for n in life.of("third_party_delay_notice_sent") if due and n.on <= due]
    if not notices:
        return clock
    line = (f"third-party delay notice provided on {notices[0].on} (1024.41(c)(4)(ii)(B)): the determination is "
            "due promptly once the third party's documents arrive (no number in the rule)")
    status: Status = "met" if clock.met_by else "open"
    return annotate(clock.replace(status=status), steps=(line,), flags=("third_party_delay",))

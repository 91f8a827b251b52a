"""1024.41(e) and (h): the borrower's acceptance and appeal windows and the 30-day appeal decision."""

from __future__ import annotations

from datetime import date, timedelta
from functools import partial

from compliance.applications import answers_for
from compliance.clock import Clock, then
from compliance.deadlines import deadline, label
from compliance.duplicates import Screened
from compliance.envelope import CaseEvent
from compliance.evaluation import Evaluation
from compliance.payload import field_of
from compliance.periods import annotate, not_applicable, window
from compliance.predicates import Facts, first_failure
from compliance.proximity import Proximity, proximity_lines
from compliance.rulebook import Rule, rule
from timelines.counting import count_calendar_days

ACCEPT = rule("lm_accept_window")
APPEAL_WINDOW = rule("lm_appeal_window")
APPEAL_DECISION = rule("lm_appeal_decision")
ANSWERS = ("offer_accepted", "offer_rejected")


def _facts(ev: Evaluation, which: Rule, screened: Screened, trigger: CaseEvent) -> Facts:
    # 41(c)(2)(iv), 41(b)(3): (e) and (h) are fixed on the date the application first became (facially) complete.
    first = screened.life.first_completion
    return Facts(ev, which, trigger, life=screened.life, measured_on=first.on if first else trigger.on,
                 excused=screened.excused)


def _no_completion(ev: Evaluation, which: Rule, screened: Screened, trigger: CaseEvent) -> Clock | None:
    if screened.life.first_completion is not None:
        return None
    reason = f"no complete application recorded for {screened.life.application_id} ({which.citation} concerns one)"
    return not_applicable(ev, which, trigger, reason, flags=("no_completion_recorded",))


def accept_window(ev: Evaluation, screened: Screened, decision: CaseEvent) -> Clock:
    """41(e)(1): at least 14 days (complete 90+ days before a sale) or 7 (38-89) to accept; (e)(2)(iii) extension."""
    facts = _facts(ev, ACCEPT, screened, decision)
    reason = first_failure(facts)
    if reason is not None:
        return not_applicable(ev, ACCEPT, decision, reason)
    missing = _no_completion(ev, ACCEPT, screened, decision)
    if missing is not None:
        return missing
    near = facts.proximity()
    days = 14 if near.at_least(90) else 7 if near.at_least(38) else 0
    steps = partial(_acceptance_lines, near, days)
    if not days:
        why = f"{near.describe('complete')} (12 CFR 1024.41(e)(1) sets no period for 37 days or fewer)"
        return not_applicable(ev, ACCEPT, decision, why, steps=steps)
    floor = count_calendar_days(ev.calendar, decision.on, days, label=label(decision))
    closes, extension, flags = _appeal_extension(screened, decision, floor.due)
    answer = _first_answer(ev, screened, decision)
    clock = window(ev, ACCEPT, decision, closes=closes, answer=answer,
                   steps=then(then(floor.lines, steps), extension), flags=flags)
    return _servicer_deadline(clock, decision, floor.due)


def _acceptance_lines(near: Proximity, days: int) -> tuple[str, ...]:
    lines = (near.line(90, what="complete", cite="12 CFR 1024.41(e)(1) (14 days)"),)
    if days == 7:
        lines += (near.line(38, what="complete", cite="12 CFR 1024.41(e)(1) (7 days)"),)
    return lines


def _appeal_extension(
    screened: Screened, decision: CaseEvent, closes: date
) -> tuple[date | None, tuple[str, ...], tuple[str, ...]]:
    # 41(e)(2)(iii): after a timely appeal the offer stays open until 14 days after the appeal decision notice.
    appeals = screened.life.after(decision, "appeal_received")
    if not appeals:
        return closes, (), ()
    decided = screened.life.after(appeals[0], "appeal_decided")
    if not decided:
        line = (f"appeal received {appeals[0].on}: the offer stays open until 14 days after the appeal decision, "
                "not yet made (1024.41(e)(2)(iii))")
        return None, (line,), ("pending_appeal",)
    extended = max(closes, decided[0].on + timedelta(days=14))
    line = (f"appeal received {appeals[0].on}, decided {decided[0].on}: extended to the decision notice + 14 = "
            f"{extended} (1024.41(e)(2)(iii))")
    return extended, (line,), ()


def _first_answer(ev: Evaluation, screened: Screened, trigger: CaseEvent) -> CaseEvent | None:
    answers = [a for a in answers_for(ev.history, screened.life.application_id, ANSWERS)
               if (a.on, a.version) > (trigger.on, trigger.version)]
    return answers[0] if answers else None


def _servicer_deadline(clock: Clock, decision: CaseEvent, floor: date) -> Clock:
    # Rulebook §2.3: the regulation sets a floor; a servicer deadline earlier than it is flagged, never adopted.
    chosen = field_of(decision.data, "acceptance_deadline")
    if chosen is None or chosen >= floor:
        return clock
    finding = f"the servicer's acceptance deadline {chosen} is earlier than the regulatory floor {floor} (41(e)(1))"
    return annotate(clock.replace(finding=finding), steps=(finding,), flags=("servicer_deadline_below_floor",))


def accept_window_on_appeal(ev: Evaluation, screened: Screened, appeal_decision: CaseEvent) -> Clock:
    """41(h)(4): at least 14 days to accept an offer made on appeal."""
    reason = first_failure(_facts(ev, ACCEPT, screened, appeal_decision))
    if reason is not None:
        return not_applicable(ev, ACCEPT, appeal_decision, reason)
    counted = count_calendar_days(ev.calendar, appeal_decision.on, 14, label=label(appeal_decision))
    answer = _first_answer(ev, screened, appeal_decision)
    steps = then(counted.lines, ("14 days to accept an offer made on appeal (12 CFR 1024.41(h)(4))",))
    return window(ev, ACCEPT, appeal_decision, closes=counted.due, answer=answer, steps=steps)


def appeal_window(ev: Evaluation, screened: Screened, decision: CaseEvent) -> Clock:
    """41(h)(2): at least 14 days after the (c)(1)(ii) notice to appeal a loan-modification denial."""
    facts = _facts(ev, APPEAL_WINDOW, screened, decision)
    steps = proximity_lines(facts.proximity(), 90, what="complete", cite="12 CFR 1024.41(h)(1)")
    reason = first_failure(facts)
    if reason is not None:
        return not_applicable(ev, APPEAL_WINDOW, decision, reason, steps=steps)
    missing = _no_completion(ev, APPEAL_WINDOW, screened, decision)
    if missing is not None:
        return missing
    counted = count_calendar_days(ev.calendar, decision.on, 14, label=label(decision))
    appeals = screened.life.after(decision, "appeal_received")
    return window(ev, APPEAL_WINDOW, decision, closes=counted.due, answer=appeals[0] if appeals else None,
                  steps=then(counted.lines, steps))


def appeal_decision(ev: Evaluation, screened: Screened, appeal: CaseEvent) -> Clock:
    """41(h)(4): decide an appeal within 30 days of receiving it."""
    decision = screened.life.decision_before(appeal)
    if decision is None:
        missing = "no evaluation decision precedes the appeal (1024.41(h) concerns an appeal of one)"
        return not_applicable(ev, APPEAL_DECISION, appeal, missing, flags=("appeal_without_decision",))
    reason = first_failure(_facts(ev, APPEAL_DECISION, screened, appeal))
    if reason is not None:
        return not_applicable(ev, APPEAL_DECISION, appeal, reason)
    clock = deadline(ev, APPEAL_DECISION, appeal, key="application_id")
    window_closes = decision.on + timedelta(days=14)
    if appeal.on <= window_closes:
        return clock
    line = (f"the appeal came after the 14-day regulatory window closed on {window_closes}; the servicer may "
            "have allowed longer (41(h)(2) sets a floor), so the 30-day decision clock is still shown")
    return annotate(clock, steps=(line,), flags=("appeal_after_regulatory_window",))

"""When a complete application's foreclosure bar lifts: the three release conditions of 1024.41(f)(2), (g)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from compliance.applications import ApplicationLife, answers_for
from compliance.envelope import CaseEvent
from compliance.evaluation import Evaluation
from compliance.payload import field_of
from compliance.predicates import Facts, appeal_right_41h1, loan_modification_denied
from compliance.proximity import proximity
from compliance.rulebook import Rule

ONE_DAY = timedelta(days=1)


@dataclass(frozen=True)
class Release:
    """The first day the barred step is permitted again (None: not yet known) and how that was found."""

    on: date | None
    steps: tuple[str, ...]
    flags: tuple[str, ...] = ()


def release(ev: Evaluation, bar_rule: Rule, life: ApplicationLife, since: CaseEvent) -> Release:
    """(i) not eligible and appeal over, (ii) all offers rejected, (iii) failure to perform — as known on as_of."""
    decisions = life.after(since, "evaluation_decided")
    if not decisions:
        return Release(None, ("in force: the complete application awaits evaluation",))
    decision = decisions[-1]
    if decision.data.outcome == "offer" or decision.data.options_offered:  # type: ignore[attr-defined]
        return _after_offer(ev, life, decision, _acceptance_closes(ev, bar_rule, life, decision))
    return _after_denial(ev, bar_rule, life, decision)


def _after_denial(ev: Evaluation, bar_rule: Rule, life: ApplicationLife, decision: CaseEvent) -> Release:
    facts = Facts(ev, bar_rule, decision, life=life, measured_on=_fixed_on(life, decision))
    # 41(h)(1): an appeal right exists only for a denied trial or permanent modification, so a denial of other
    # options alone leaves no appeal to wait for, and an appeal the borrower files anyway does not hold the bar.
    if loan_modification_denied(facts) is not None or appeal_right_41h1(facts) is not None:
        line = f"released: not eligible for any option (notice {decision.on}) and no appeal right (41(f)(2)(i))"
        return Release(decision.on + ONE_DAY, (line,))
    appeals = life.after(decision, "appeal_received")
    if not appeals:
        closes = decision.on + timedelta(days=14)
        line = (f"denial of every option on {decision.on}: released after the appeal window closes {closes} "
                "unused (41(f)(2)(i))")
        return Release(closes + ONE_DAY, (line,))
    decided = life.after(appeals[0], "appeal_decided")
    if not decided:
        return Release(None, (f"in force: appeal received {appeals[0].on} awaits decision (41(f)(2)(i))",))
    if decided[0].data.outcome == "upheld":  # type: ignore[attr-defined]
        return Release(decided[0].on + ONE_DAY, (f"released: appeal denied on {decided[0].on} (41(f)(2)(i))",))
    closes = decided[0].on + timedelta(days=14)
    return _after_offer(ev, life, decided[0], closes)


def _after_offer(ev: Evaluation, life: ApplicationLife, offer: CaseEvent, closes: date | None) -> Release:
    answers = [a for a in answers_for(ev.history, life.application_id, ("offer_accepted", "offer_rejected"))
               if (a.on, a.version) > (offer.on, offer.version)]
    accepted = [a for a in answers if a.type == "offer_accepted"]
    if accepted:
        return _performance(ev, life, accepted[0])
    if answers:
        return Release(answers[0].on + ONE_DAY, (f"released: the borrower rejected the offer on {answers[0].on} "
                                                 "(41(f)(2)(ii))",))
    if closes is None:
        return Release(None, ("in force: the acceptance period runs until 14 days after the pending appeal's "
                              "decision (41(e)(2)(iii))",))
    line = f"offer of {offer.on}: deemed rejected after the acceptance period closes {closes} (41(f)(2)(ii), (e)(1))"
    return Release(closes + ONE_DAY, (line,))


def _performance(ev: Evaluation, life: ApplicationLife, accepted: CaseEvent) -> Release:
    later = [e for e in answers_for(ev.history, life.application_id, ("option_failed", "option_completed"))
             if (e.on, e.version) > (accepted.on, accepted.version)]
    if not later:
        return Release(None, (f"in force: the borrower accepted on {accepted.on} and is performing (41(f)(2)(iii))",))
    if later[0].type == "option_failed":
        return Release(later[0].on + ONE_DAY, (f"released: the borrower failed to perform on {later[0].on} "
                                               "(41(f)(2)(iii))",))
    line = (f"lifted: the option was completed on {later[0].on}; 41(f)(2)/(g) name no release for this, so the "
            "bar is treated as ended with the application")
    return Release(later[0].on + ONE_DAY, (line,), ("released_by_completion",))


def _acceptance_closes(ev: Evaluation, bar_rule: Rule, life: ApplicationLife, decision: CaseEvent) -> date | None:
    # 41(e)(1) floor (14 or 7 days), a later servicer deadline, and the (e)(2)(iii) extension on appeal.
    fixed_on = _fixed_on(life, decision)
    days = 14 if proximity(ev.history, fixed_on).at_least(90) else 7
    closes = max(decision.on + timedelta(days=days), field_of(decision.data, "acceptance_deadline") or decision.on)
    appeals = life.after(decision, "appeal_received")
    if not appeals:
        # A modification denial with an appeal right keeps the matter open until the 14-day appeal window ends.
        facts = Facts(ev, bar_rule, decision, life=life, measured_on=fixed_on)
        if loan_modification_denied(facts) is None and appeal_right_41h1(facts) is None:
            closes = max(closes, decision.on + timedelta(days=14))
        return closes
    decided = life.after(appeals[0], "appeal_decided")
    return max(closes, decided[0].on + timedelta(days=14)) if decided else None


def _fixed_on(life: ApplicationLife, fallback: CaseEvent) -> date:
    first = life.first_completion
    return first.on if first else fallback.on

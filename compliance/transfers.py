"""Rule family transfers: the transferee's 1024.41(k) duties for applications and appeals in flight."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from compliance.applications import ApplicationLife, applications
from compliance.clock import Clock
from compliance.deadlines import deadline
from compliance.envelope import CaseEvent
from compliance.evaluation import Evaluation
from compliance.payload import field_of
from compliance.periods import annotate, not_applicable
from compliance.predicates import Facts, first_failure, transferor_ack_period_unexpired
from compliance.rulebook import Rule, rule

XFER_ACK = rule("xfer_ack")
XFER_PENDING = rule("xfer_complete_pending")
XFER_APPEAL = rule("xfer_appeal")


def clocks(ev: Evaluation) -> list[Clock]:
    """Every clock of this family for the case."""
    lives = applications(ev.history)
    out: dict[str, Clock] = {}
    for transfer in ev.history.of_type("servicing_transferred"):
        found = [transferee_ack(ev, transfer, lives), pending_evaluation(ev, transfer, lives)]
        for clock in [*found, *appeal_decisions(ev, transfer, lives)]:
            # Two applications behind one transfer would share the transfer-keyed id: keep one, flag it.
            out[clock.id] = annotate(out[clock.id], flags=("multiple_applications",)) if clock.id in out else clock
    return list(out.values())


def transfer_date(transfer: CaseEvent) -> date:
    """41(k)(1)(ii): the date the transferee begins accepting payments (the event's data)."""
    return transfer.data.transfer_date  # type: ignore[attr-defined, no-any-return]


def transferee_ack(ev: Evaluation, transfer: CaseEvent, lives: Sequence[ApplicationLife]) -> Clock:
    """41(k)(2)(i): acknowledge within 10 business days of the transfer date an application left unanswered."""
    day = transfer_date(transfer)
    candidates = [life for life in lives if life.received and life.received.on <= day]
    owed = [c for c in candidates if transferor_ack_period_unexpired(_facts(ev, XFER_ACK, transfer, c)) is None]
    life = owed[-1] if owed else (candidates[-1] if candidates else None)
    facts = _facts(ev, XFER_ACK, transfer, life)
    reason = first_failure(facts)
    if reason is not None or life is None or life.received is None:
        return not_applicable(ev, XFER_ACK, transfer, reason or "no application")
    last = max(cal.add_business_days(life.received.on, 5) for cal in (ev.calendar, ev.alternative))
    line = (f"{life.application_id} received {life.received.on}; the transferor's 5-day acknowledgment period "
            f"ran to {last} under the later calendar reading and was unanswered on the transfer date {day}")
    acks = [a for a in life.of("application_acknowledged") if a.on > day]
    # key=application_id: the transfer carries none, so no other application's acknowledgment can satisfy it.
    clock = deadline(ev, XFER_ACK, transfer, key="application_id", satisfier=acks[0] if acks else None,
                     extra_steps=(line,))
    clock = _filing_before_reasonable_date(ev, clock, day, acks[0] if acks else None)
    return annotate(clock, flags=("multiple_applications",)) if len(owed) > 1 else clock


def _filing_before_reasonable_date(ev: Evaluation, clock: Clock, day: date, ack: CaseEvent | None) -> Clock:
    """41(k)(2)(ii): the transferee may not make the first notice or filing until after the reasonable date its
    acknowledgment discloses; one made from the transfer date until then (or before any acknowledgment) breaches."""
    until = (field_of(ack.data, "return_by") or ack.on) if ack is not None else None
    filings = [f for f in ev.history.of_type("first_notice_or_filing_made")
               if f.on >= day and (until is None or f.on <= until) and f.on <= ev.as_of]
    if not filings:
        return clock
    filed = filings[0].on
    if until is None:
        finding = f"first notice or filing on {filed} before the transferee acknowledged the application"
    else:
        finding = f"first notice or filing on {filed}, not after the disclosed reasonable date {until}"
    finding += " (12 CFR 1024.41(k)(2)(ii))"
    return annotate(clock, steps=(f"barred step: {finding}",)).replace(status="breached", finding=finding)


def pending_evaluation(ev: Evaluation, transfer: CaseEvent, lives: Sequence[ApplicationLife]) -> Clock:
    """41(k)(3): evaluate a complete application pending at transfer within 30 days of the transfer date."""
    day = transfer_date(transfer)
    pending = [life for life in lives if life.pending_completion_on(day) is not None]
    life = pending[-1] if pending else None
    reason = first_failure(_facts(ev, XFER_PENDING, transfer, life))
    completion = life.pending_completion_on(day) if life else None
    if reason is not None or life is None or completion is None:
        return not_applicable(ev, XFER_PENDING, transfer, reason or "no pending application")
    line = f"{life.application_id} complete on {completion.on} and not yet evaluated on the transfer date {day}"
    decisions = [d for d in life.decisions if d.on > day]
    return deadline(ev, XFER_PENDING, transfer, key="application_id", satisfier=decisions[0] if decisions else None,
                    extra_steps=(line,))


def appeal_decisions(ev: Evaluation, transfer: CaseEvent, lives: Sequence[ApplicationLife]) -> list[Clock]:
    """41(k)(4)(i): decide an appeal pending at transfer (or made after it) by the later of the two dates + 30."""
    day = transfer_date(transfer)
    appeals = [
        (life, appeal) for life in lives for appeal in life.of("appeal_received")
        if (decision := life.decision_before(appeal)) is not None and decision.on <= day
    ]
    out = [_appeal_decision(ev, transfer, life, appeal) for life, appeal in appeals]
    if not out:
        reason = first_failure(_facts(ev, XFER_APPEAL, transfer, None))
        out.append(not_applicable(ev, XFER_APPEAL, transfer, reason or "no appeal"))
    return out


def _appeal_decision(ev: Evaluation, transfer: CaseEvent, life: ApplicationLife, appeal: CaseEvent) -> Clock:
    day = transfer_date(transfer)
    # The clock is keyed on the later of its two triggers, and counts from that trigger's date.
    later = transfer if appeal.on <= day else appeal
    facts = Facts(ev, XFER_APPEAL, later, life=life, transfer=transfer, appeal=appeal)
    reason = first_failure(facts)
    if reason is not None:
        return not_applicable(ev, XFER_APPEAL, later, reason)
    start = day if later is transfer else appeal.on
    line = (f"later of the transfer date {day} and the appeal of {appeal.on} ({life.application_id}) is {start}; "
            "30 days from it (12 CFR 1024.41(k)(4)(i))")
    decided = life.after(appeal, "appeal_decided")
    return deadline(ev, XFER_APPEAL, later, key="application_id", start=start,
                    satisfier=decided[0] if decided else None, extra_steps=(line,))


def _facts(ev: Evaluation, which: Rule, transfer: CaseEvent, life: ApplicationLife | None) -> Facts:
    return Facts(ev, which, transfer, life=life, transfer=transfer)

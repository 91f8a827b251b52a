"""Named applicability predicates of the 1024.41 rule rows: None when one holds, else the human reason."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from functools import partial
from types import MappingProxyType
from typing import NamedTuple

from compliance.applications import ApplicationLife, precedes
from compliance.clock import Reason
from compliance.delinquency import oldest_unpaid
from compliance.envelope import CaseEvent
from compliance.evaluation import Evaluation
from compliance.payload import field_of
from compliance.proximity import Proximity, proximity
from compliance.rulebook import Rule

MODIFICATIONS = frozenset({"loan_modification", "trial_modification"})


class Facts(NamedTuple):
    """What the predicates of one clock look at: the trigger, its application and the date protections fix on.

    A named tuple (immutable, built in one call): every 1024.41 clock builds one or more.
    """

    ev: Evaluation
    rule: Rule
    trigger: CaseEvent
    life: ApplicationLife | None = None
    # 41(b)(3): the date sale proximity is measured on (receipt, completion or first facial completion).
    measured_on: date | None = None
    # 41(i): why the application is duplicative (computed once per application), or None.
    excused: str | None = None
    # 41(k): the transfer a transferee clock runs from, and the appeal it concerns.
    transfer: CaseEvent | None = None
    appeal: CaseEvent | None = None

    def proximity(self) -> Proximity:
        """Proximity of the measured date (default: the trigger's date) to the sale scheduled then."""
        return proximity(self.ev.history, self.measured_on or self.trigger.on)


def regx_subpart_c_scope(f: Facts) -> str | None:
    """1024.30: subpart C binds servicers of principal-residence loans; small servicers are exempt (30(b)(1))."""
    if not f.ev.profile.principal_residence:
        return "the property is not the borrower's principal residence (12 CFR 1024.30(c)(2))"
    if f.ev.profile.small_servicer:
        return "small servicer: exempt from 1024.38-1024.41 except 1024.41(j) (12 CFR 1024.30(b)(1))"
    return None


def regx_scope_41j(f: Facts) -> str | None:
    """1024.30(b), 41(j): the 120-day bar binds small servicers too, for principal-residence loans."""
    if not f.ev.profile.principal_residence:
        return "the property is not the borrower's principal residence (12 CFR 1024.30(c)(2))"
    return None


def received_45_days_before_sale(f: Facts) -> str | None:
    """41(b)(2)(i): the acknowledgment is owed for an application received 45 days or more before a sale."""
    return f.proximity().reason(45, what="received", cite="12 CFR 1024.41(b)(2)(i)")


def complete_more_than_37_days_before_sale(f: Facts) -> str | None:
    """41(c)(1), (c)(3)(ii), (g): complete (or facially complete) more than 37 days before a sale, or, after a
    transfer that left the acknowledgment to the transferee, by the reasonable date it disclosed (41(k)(2)(ii))."""
    reason = f.proximity().reason(38, what="complete", cite=f.rule.citation)
    return None if reason is not None and _complete_by_transferee_date(f) is not None else reason


def transferee_date_lines(f: Facts) -> tuple[str, ...]:
    """The derivation line of the 41(k)(2)(ii) exception when it is what makes the application qualify."""
    # The transfer test first: without a transfer (nearly every case) it is one empty lookup, no proximity text.
    disclosed = _complete_by_transferee_date(f)
    if disclosed is None or f.proximity().reason(38, what="complete", cite=f.rule.citation) is None:
        return ()
    return (f"yet complete by {disclosed}, the reasonable date the transferee disclosed after the transfer: "
            "(c), (d) and (g) apply even 37 days or fewer before the sale (12 CFR 1024.41(k)(2)(ii))",)


def _complete_by_transferee_date(f: Facts) -> date | None:
    """The transferee's disclosed reasonable date when the application was complete by it (41(k)(2)(ii)), else None."""
    life, completed_on = f.life, f.measured_on or f.trigger.on
    if life is None:
        return None
    for transfer in f.ev.history.of_type("servicing_transferred"):
        if transferor_ack_period_unexpired(f._replace(transfer=transfer)) is not None:
            continue
        day = _transfer_date(transfer)
        acks = [a for a in life.of("application_acknowledged") if a.on >= day]
        disclosed = field_of(acks[0].data, "return_by") if acks else None
        if disclosed is not None and completed_on <= disclosed:
            return disclosed  # type: ignore[no-any-return]
    return None


def not_duplicative_41i(f: Facts) -> str | None:
    """41(i): no duties for a repeat application after full compliance and continuous delinquency."""
    return f.excused


def application_incomplete(f: Facts) -> str | None:
    """41(b)(2)(ii): a reasonable date is needed only when the acknowledgment says the application is incomplete."""
    if field_of(f.trigger.data, "complete", default=False):
        return "the acknowledgment said the application was complete (1024.41(b)(2)(ii) needs an incomplete one)"
    return None


def offer_made(f: Facts) -> str | None:
    """41(e)(1), 41(h)(4): an acceptance period follows an offer, including one made on appeal."""
    data = f.trigger.data
    if f.trigger.type == "appeal_decided":
        return None if data.outcome == "reversed" else "the appeal upheld the decision: no offer on appeal (41(h)(4))"  # type: ignore[attr-defined]
    if data.outcome == "offer" or data.options_offered:  # type: ignore[attr-defined]
        return None
    return "no loss mitigation option was offered (1024.41(e) needs an offer)"


def loan_modification_denied(f: Facts) -> str | None:
    """41(h)(1): the appeal right concerns a denial of a trial or permanent loan modification."""
    data = f.trigger.data
    denied = field_of(data, "options_denied", default=[])
    if field_of(data, "loan_modification_denied", default=False) or MODIFICATIONS & set(denied):
        return None
    return "no trial or permanent loan modification was denied (1024.41(h)(1))"


def appeal_of_modification_denial(f: Facts) -> str | None:
    """41(h)(1), (h)(4): an appeal is decided within 30 days only when it appeals a denied loan modification."""
    decision = f.life.decision_before(f.trigger) if f.life is not None else None
    if decision is None:
        return "no evaluation decision precedes the appeal (1024.41(h)(1))"
    return loan_modification_denied(f._replace(trigger=decision))


def appeal_right_41h1(f: Facts) -> str | None:
    """41(h)(1): appeal right if complete 90 days or more before a sale or before the first notice or filing."""
    near = f.proximity().reason(90, what="complete", cite="12 CFR 1024.41(h)(1)")
    if near is None or complete_before_first_filing(f) is None:
        return None
    return f"{near}, and after the first notice or filing"


def complete_before_first_filing(f: Facts) -> str | None:
    """41(f)(2): the referral bar needs a complete application before any first notice or filing."""
    filing = _first_filing_before(f)
    if filing is None:
        return None
    return f"complete after the first notice or filing on {filing.on} (1024.41(f)(2) covers earlier ones; see 41(g))"


def complete_after_first_filing(f: Facts) -> str | None:
    """41(g): the sale bar covers complete applications received after the first notice or filing."""
    if _first_filing_before(f) is not None:
        return None
    return "complete before any first notice or filing (1024.41(f)(2) governs, not 41(g))"


def complete_notice_required_41c3ii(f: Facts) -> str | None:
    """41(c)(3)(ii)(A), (C): no (c)(3) notice after an ack that said complete, or after the (c)(1)(ii) notice."""
    life = f.life
    if life is None:
        return None
    said_complete = [a for a in life.before(f.trigger, "application_acknowledged") if a.data.complete]  # type: ignore[attr-defined]
    if said_complete:
        ack = said_complete[-1]
        asked = [r for r in life.before(f.trigger, "additional_information_requested") if precedes(ack, r)]
        if not asked:
            return (f"the acknowledgment of {ack.on} already said the application was complete and nothing more "
                    f"was requested since (1024.41(c)(3)(ii)(A))")
    decision = life.decision_before(f.trigger)
    if decision is not None:
        return f"the evaluation notice of {decision.on} was already provided (1024.41(c)(3)(ii)(C))"
    return None


def oldest_unpaid_installment(f: Facts) -> Reason:
    """41(f)(1), comment 31 Delinquency-2: the 120-day bar runs from the oldest unpaid installment.

    The reason is a recipe (written when read): most installments of a long delinquency are not the oldest.
    """
    due = field_of(f.trigger.data, "due_date")
    oldest = oldest_unpaid(f.ev.history, f.ev.as_of)
    if due == oldest:
        return None
    if oldest is None:
        return partial(CURRENT.format, due, f.ev.as_of)
    return partial(NOT_OLDEST.format, due, f.ev.as_of, oldest)


CURRENT = "installment due {} is paid and the borrower is current on {}"
NOT_OLDEST = "installment due {} is not the oldest unpaid one (oldest unpaid on {}: {})"


def transferor_ack_period_unexpired(f: Facts) -> str | None:
    """41(k)(2)(i): the transferor's 5-day acknowledgment period was unexpired and unanswered at transfer."""
    received = f.life.received if f.life else None
    if (outgoing := _outgoing(f)) is not None:
        return outgoing
    if f.transfer is None or f.life is None or received is None:
        return "no application received before the transfer was awaiting an acknowledgment"
    day = _transfer_date(f.transfer)
    acks = [a for a in f.life.of("application_acknowledged") if a.on <= day]
    if acks:
        return f"the transferor acknowledged {f.life.application_id} on {acks[0].on} (1024.41(k)(2)(i))"
    # Under either calendar reading: the period "had not expired" if any reading still ran on the transfer date.
    last = max(cal.add_business_days(received.on, 5) for cal in (f.ev.calendar, f.ev.alternative))
    if day > last:
        return f"the transferor's 5-day acknowledgment period ran out on {last}, before the transfer on {day}"
    return proximity(f.ev.history, received.on).reason(45, what="received", cite="12 CFR 1024.41(b)(2)(i)")


def complete_application_pending_at_transfer(f: Facts) -> str | None:
    """41(k)(3): a complete application awaiting evaluation on the transfer date, with (c)(1) applicable."""
    if (outgoing := _outgoing(f)) is not None:
        return outgoing
    if f.transfer is None or f.life is None:
        return "no complete application was pending evaluation on the transfer date"
    pending = f.life.pending_completion_on(_transfer_date(f.transfer))
    if pending is None:
        return f"{f.life.application_id} had no complete application pending evaluation on the transfer date"
    return proximity(f.ev.history, pending.on).reason(38, what="complete", cite="12 CFR 1024.41(c)(1), (k)(3)")


def appeal_pending_at_transfer(f: Facts) -> str | None:
    """41(k)(4): an appeal unresolved on the transfer date, or made after it against an earlier decision."""
    if (outgoing := _outgoing(f)) is not None:
        return outgoing
    if f.transfer is None or f.appeal is None or f.life is None:
        return "no appeal was pending on the transfer date or made after it"
    day = _transfer_date(f.transfer)
    decided = [d for d in f.life.after(f.appeal, "appeal_decided") if d.on <= day]
    if decided:
        return f"the transferor decided the appeal on {decided[0].on}, before the transfer on {day}"
    return None


def _outgoing(f: Facts) -> str | None:
    # 41(k) binds the transferee; a transfer out of this servicer leaves those duties with the new servicer.
    if f.transfer is not None and field_of(f.transfer.data, "direction", default="in") == "out":
        return "servicing was transferred out: 1024.41(k) binds the transferee servicer"
    return None


def _transfer_date(transfer: CaseEvent) -> date:
    # 41(k)(1)(ii): the transfer date is when the transferee begins accepting payments (the event's data).
    return field_of(transfer.data, "transfer_date") or transfer.on


def _first_filing_before(f: Facts) -> CaseEvent | None:
    # Protections fix on the first (facial) completion (41(c)(2)(iv)); a same-day filing entered first counts.
    completion = f.life.first_completion if f.life and f.life.first_completion else f.trigger
    filings = [e for e in f.ev.history.of_type("first_notice_or_filing_made") if precedes(e, completion)]
    return min(filings, key=lambda e: (e.on, e.version)) if filings else None


Predicate = Callable[[Facts], Reason]
PREDICATES: Mapping[str, Predicate] = MappingProxyType(
    {
        fn.__name__: fn
        for fn in (
            regx_subpart_c_scope, regx_scope_41j, received_45_days_before_sale,
            complete_more_than_37_days_before_sale, not_duplicative_41i, application_incomplete, offer_made,
            loan_modification_denied, appeal_of_modification_denial, appeal_right_41h1, complete_before_first_filing,
            complete_notice_required_41c3ii,
            complete_after_first_filing, oldest_unpaid_installment, transferor_ack_period_unexpired,
            complete_application_pending_at_transfer, appeal_pending_at_transfer,
        )
    }
)


def not_in_force(rule: Rule, day: date) -> str | None:
    """Effective dating (rulebook §5): a trigger outside the rule's dates is judged by no version of it."""
    if rule.effective_from <= day and (rule.effective_to is None or day < rule.effective_to):  # in_force_on
        return None
    if day < rule.effective_from:
        return f"{rule.citation} took effect on {rule.effective_from}; the trigger is dated {day}"
    return f"{rule.citation} ceased to apply on {rule.effective_to}; the trigger is dated {day}"


def first_failure(f: Facts) -> Reason:
    """The first reason, in row order, that the rule does not apply; None when all its predicates hold."""
    rule, day = f.rule, f.trigger.on
    if not (rule.effective_from <= day and (rule.effective_to is None or day < rule.effective_to)):  # in_force_on
        return not_in_force(rule, day)
    for name in rule.applies_when:
        reason = PREDICATES[name](f)
        if reason is not None:
            return reason
    return None

"""Generic clock construction shared by every rule family: counting, alternatives and status."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from functools import partial

from compliance.clock import Alternative, Clock, Reason, Status, Trigger, text, then
from compliance.envelope import CaseEvent
from compliance.evaluation import Evaluation
from compliance.payload import field_of
from compliance.rulebook import Rule
from timelines.counting import Count, count_business_days, count_calendar_days

_new = tuple.__new__  # Trigger(...) / Clock(...) in one C call: one or more per trigger event
TRIGGER_LABELS = {
    "payment_missed": "installment due and unpaid",
    "application_received": "application received",
    "application_acknowledged": "acknowledgment notice provided",
    "application_completed": "application complete",
    "evaluation_decided": "evaluation notice provided",
    "appeal_received": "appeal received",
    "appeal_decided": "appeal decision notice provided",
    "short_term_option_offered": "short-term option offered",
    "servicing_transferred": "servicing transfer date",
    "error_notice_received": "notice of error received",
    "information_request_received": "request for information received",
    "early_intervention_notice_sent": "prior written notice provided",
}


def clock_id(rule_id: str, trigger: CaseEvent) -> str:
    """Stable id: rule + trigger event (CONTRACT §6)."""
    return f"{rule_id}:{trigger.id}"


def trigger_of(event: CaseEvent) -> Trigger:
    """The trigger block of a clock run from `event`."""
    return _new(Trigger, (event.id, event.type, event.on, event.at))  # new_trigger, without its frame


def anchor(event: CaseEvent) -> date:
    """Day 0 of clocks run from `event`: the installment's due date or the transfer date where the data says so."""
    due = field_of(event.data, "due_date")
    transfer = field_of(event.data, "transfer_date")
    return due or transfer or event.on


def label(event: CaseEvent) -> str:
    """Human wording of a trigger for derivations."""
    kind = event.type
    found = TRIGGER_LABELS.get(kind)
    return found if found is not None else kind.replace("_", " ")


def count(ev: Evaluation, rule: Rule, start: date, n: int, *, text: str) -> tuple[Count, tuple[Alternative, ...]]:
    """Count n days of the rule's unit from day 0; business-day clocks also report the other policy's date."""
    if rule.unit == "rxbd":
        counted = count_business_days(ev.calendar, start, n, label=text)
        other = ev.alternative.add_business_days(start, n)
        alts = (Alternative(ev.alternative.name, other),) if other != counted.due else ()
        return counted, alts
    return count_calendar_days(ev.calendar, start, n, label=text), ()


def first_satisfier(
    ev: Evaluation, rule: Rule, trigger: CaseEvent, *, key: str | None = None, types: Iterable[str] | None = None
) -> CaseEvent | None:
    """The earliest event after the trigger that satisfies the rule (matched on the key field, if any)."""
    wanted = tuple(types) if types is not None else rule.satisfied_by
    value = field_of(trigger.data, key) if key else None
    # Legal-date order: a late entry of an earlier act is still the earliest satisfier.
    on, version = trigger.on, trigger.version
    for event in ev.history.happened(*wanted):
        # After the trigger: legal date first; the same day falls back to log order (late entries).
        if event.on < on or (event.on == on and event.version <= version):
            continue
        if key is None or field_of(event.data, key) == value:
            return event
    return None


def judge(due: date, satisfier: CaseEvent | None, as_of: date) -> tuple[Status, str | None, date | None]:
    """Deadline status: met on or before due; breached when done late or still undone after due (as_of decides)."""
    if satisfier is not None and satisfier.on <= as_of:
        return ("met" if satisfier.on <= due else "breached"), satisfier.id, satisfier.on
    return ("breached" if as_of > due else "open"), None, None


def deadline(
    ev: Evaluation, rule: Rule, trigger: CaseEvent, *, key: str | None = None, start: date | None = None,
    length: int | None = None, satisfier: CaseEvent | None = None, extra_steps: tuple[str, ...] = (),
    flags: tuple[str, ...] = (),
) -> Clock:
    """A deadline clock: due = day 0 + the rule's length in its unit; met by the first satisfying event."""
    day0 = start or anchor(trigger)
    counted, alts = count(ev, rule, day0, length or rule.length or 0, text=label(trigger))
    found = satisfier if satisfier is not None else first_satisfier(ev, rule, trigger, key=key)
    status, met_by, met_on = judge(counted.due, found, ev.as_of)
    return _new(Clock, (
        f"{rule.id}:{trigger.id}", rule.id, rule.citation, rule.kind,
        _new(Trigger, (trigger.id, trigger.type, trigger.on, trigger.at)), status, ev.calendar_name,
        counted.due, None, None, met_by, met_on, then(counted.lines, extra_steps), alts, None, None, flags,
    ))


def inapplicable(ev: Evaluation, rule: Rule, trigger: CaseEvent, reason: Reason) -> Clock:
    """A clock whose rule does not apply to this case, with the reason (CONTRACT §6; written when read)."""
    return _new(Clock, (
        f"{rule.id}:{trigger.id}", rule.id, rule.citation, rule.kind,
        _new(Trigger, (trigger.id, trigger.type, trigger.on, trigger.at)), "not_applicable",
        ev.calendar_name, None, None, None, None, None, partial(_reason_line, reason), (), reason, None, (),
    ))


def _reason_line(reason: Reason) -> tuple[str, ...]:
    return (f"not applicable: {text(reason)}",)

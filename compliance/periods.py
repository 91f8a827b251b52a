"""Clock builders beside deadlines.py: borrower windows, foreclosure bars, cancellations and annotations."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from compliance.clock import Clock, Status
from compliance.deadlines import clock_id, inapplicable, trigger_of
from compliance.envelope import CaseEvent
from compliance.evaluation import Evaluation
from compliance.rulebook import Rule


def window(
    ev: Evaluation, rule: Rule, trigger: CaseEvent, *, closes: date | None, answer: CaseEvent | None,
    steps: tuple[str, ...], flags: tuple[str, ...] = (), finding: str | None = None,
) -> Clock:
    """A borrower's window: open until `closes`, then met (closed without violation); met early by an answer."""
    status: Status = "open" if closes is None or ev.as_of <= closes else "met"
    if answer is not None:
        status = "met"
    return Clock(
        id=clock_id(rule.id, trigger), rule=rule.id, citation=rule.citation, kind=rule.kind,
        trigger=trigger_of(trigger), status=status, calendar=ev.calendar.name, closes=closes,
        met_by=answer.id if answer else None, met_on=answer.on if answer else None,
        derivation=steps, flags=flags, finding=finding,
    )


def bar(
    ev: Evaluation, rule: Rule, trigger: CaseEvent, *, not_before: date | None, status: Status,
    steps: tuple[str, ...], finding: str | None = None, flags: tuple[str, ...] = (),
) -> Clock:
    """A foreclosure bar: open while in force, met once lifted cleanly, breached by a step taken inside it."""
    return Clock(
        id=clock_id(rule.id, trigger), rule=rule.id, citation=rule.citation, kind=rule.kind,
        trigger=trigger_of(trigger), status=status, calendar=ev.calendar.name, not_before=not_before,
        derivation=steps, finding=finding, flags=flags,
    )


def cancelled(clock: Clock, *, reason: str) -> Clock:
    """The same clock, no longer counting, with why (e.g. superseded by a later completion)."""
    return replace(
        clock, status="cancelled", met_by=None, met_on=None, reason=reason,
        derivation=(*clock.derivation, f"cancelled: {reason}"),
    )


def annotate(clock: Clock, *, steps: tuple[str, ...] = (), flags: tuple[str, ...] = ()) -> Clock:
    """The same clock with derivation lines and flags appended (flags de-duplicated, order kept)."""
    merged = tuple(dict.fromkeys((*clock.flags, *flags)))
    return replace(clock, derivation=(*clock.derivation, *steps), flags=merged)


def not_applicable(
    ev: Evaluation, rule: Rule, trigger: CaseEvent, reason: str, *, steps: tuple[str, ...] = (),
    flags: tuple[str, ...] = (),
) -> Clock:
    """deadlines.inapplicable with the applicability lines that led to the reason."""
    return annotate(inapplicable(ev, rule, trigger, reason), steps=steps, flags=flags)

"""Clock builders beside deadlines.py: borrower windows, foreclosure bars, cancellations and annotations."""

from __future__ import annotations

from datetime import date
from functools import partial

from compliance.clock import Clock, Reason, Status, Steps, expand, text, then
from compliance.deadlines import clock_id, inapplicable, trigger_of
from compliance.envelope import CaseEvent
from compliance.evaluation import Evaluation
from compliance.rulebook import Rule

_new = tuple.__new__  # Clock(...) in one C call (new_clock without its frame)


def window(
    ev: Evaluation, rule: Rule, trigger: CaseEvent, *, closes: date | None, answer: CaseEvent | None,
    steps: Steps, flags: tuple[str, ...] = (), finding: str | None = None,
) -> Clock:
    """A borrower's window: open until `closes`, then met (closed without violation); met early by an answer."""
    status: Status = "open" if closes is None or ev.as_of <= closes else "met"
    if answer is not None:
        status = "met"
    return _new(Clock, (
        clock_id(rule.id, trigger), rule.id, rule.citation, rule.kind, trigger_of(trigger), status,
        ev.calendar_name, None, closes, None, answer.id if answer else None, answer.on if answer else None, steps, (),
        None, finding, flags,
    ))


def bar(
    ev: Evaluation, rule: Rule, trigger: CaseEvent, *, not_before: date | None, status: Status,
    steps: Steps, finding: str | None = None, flags: tuple[str, ...] = (),
) -> Clock:
    """A foreclosure bar: open while in force, met once lifted cleanly, breached by a step taken inside it."""
    return _new(Clock, (
        f"{rule.id}:{trigger.id}", rule.id, rule.citation, rule.kind, trigger_of(trigger), status, ev.calendar_name,
        None, None, not_before, None, None, steps, (), None, finding, flags,
    ))


def cancelled(clock: Clock, *, reason: Reason) -> Clock:
    """The same clock, no longer counting, with why (e.g. superseded by a later completion)."""
    (id_, rule, citation, kind, trigger, _, calendar, due, closes, not_before, _, _, steps, alternatives, _, finding,
     flags) = clock
    return _new(Clock, (
        id_, rule, citation, kind, trigger, "cancelled", calendar, due, closes, not_before, None, None,
        partial(_cancelled_lines, steps, reason), alternatives, reason, finding, flags,
    ))


def _cancelled_lines(steps: Steps, reason: Reason) -> tuple[str, ...]:
    return (*expand(steps), f"cancelled: {text(reason)}")


def annotate(clock: Clock, *, steps: Steps = (), flags: tuple[str, ...] = ()) -> Clock:
    """The same clock with derivation lines and flags appended (flags de-duplicated, order kept)."""
    (id_, rule, citation, kind, trigger, status, calendar, due, closes, not_before, met_by, met_on, lines,
     alternatives, reason, finding, had) = clock
    merged = tuple(dict.fromkeys((*had, *flags))) if flags or had else had
    if not steps and merged == had:
        return clock
    return _new(Clock, (
        id_, rule, citation, kind, trigger, status, calendar, due, closes, not_before, met_by, met_on,
        then(lines, steps), alternatives, reason, finding, merged,
    ))


def not_applicable(
    ev: Evaluation, rule: Rule, trigger: CaseEvent, reason: Reason, *, steps: Steps = (),
    flags: tuple[str, ...] = (),
) -> Clock:
    """deadlines.inapplicable with the applicability lines that led to the reason."""
    clock = inapplicable(ev, rule, trigger, reason)
    return annotate(clock, steps=steps, flags=flags) if steps or flags else clock

"""Deadline clocks whose due date a rule family derived itself (cycles, caps, extensions), with cached counts."""

from __future__ import annotations

from datetime import date
from functools import partial

from compliance.clock import Alternative, Clock, Reason, Steps, Trigger, expand, text
from compliance.deadlines import trigger_of
from compliance.envelope import CaseEvent
from compliance.evaluation import Evaluation
from compliance.rulebook import Rule
from timelines.calendar import BusinessCalendar
from timelines.counting import Count, count_business_days, count_calendar_days

_new = tuple.__new__  # Clock(...) in one C call (new_clock without its frame): clocks are built per trigger


def calendar_days(cal: BusinessCalendar, start: date, n: int, label: str) -> Count:
    """count_calendar_days (memoised there: a portfolio repeats the same (day 0, length) pairs many times)."""
    return count_calendar_days(cal, start, n, label=label)


def business_days(cal: BusinessCalendar, start: date, n: int, label: str) -> Count:
    """count_business_days (memoised there; its derivation lists every counted or skipped day)."""
    return count_business_days(cal, start, n, label=label)


def business_alternatives(ev: Evaluation, due: date, other: date) -> tuple[Alternative, ...]:
    """The other calendar policy's date, only when it differs from the clock's (CONTRACT §4)."""
    return (Alternative(ev.alternative.name, other),) if other != due else ()


def derived_deadline(
    ev: Evaluation, rule: Rule, trigger: CaseEvent, *, due: date, steps: Steps,
    satisfier: CaseEvent | None, alternatives: tuple[Alternative, ...] = (), flags: tuple[str, ...] = (),
    finding: str | None = None,
) -> Clock:
    """A deadline clock due on `due` (as derived in `steps`, lines or a recipe), judged by its satisfier at as_of."""
    return due_clock(ev, rule, trigger_of(trigger), due=due, steps=steps, satisfier=satisfier,
                     alternatives=alternatives, flags=flags, finding=finding)


def due_clock(
    ev: Evaluation, rule: Rule, made: Trigger, *, due: date, steps: Steps, satisfier: CaseEvent | None,
    alternatives: tuple[Alternative, ...] = (), flags: tuple[str, ...] = (), finding: str | None = None,
) -> Clock:
    """derived_deadline for a trigger block already built (several clocks of one event share it)."""
    as_of = ev.as_of
    # deadlines.judge, inline: met on or before due; breached when done late or still undone after due.
    if satisfier is not None and satisfier.on <= as_of:
        met_by, met_on = satisfier.id, satisfier.on
        status = "met" if met_on <= due else "breached"
    else:
        met_by = met_on = None
        status = "breached" if as_of > due else "open"
    if finding is not None and status == "met":
        status = "breached"
    return _new(Clock, (
        f"{rule.id}:{made[0]}", rule.id, rule.citation, rule.kind, made, status, ev.calendar_name, due, None, None,
        met_by, met_on, steps, alternatives, None, finding, _distinct(flags) if len(flags) > 1 else tuple(flags),
    ))


def inapplicable_clock(
    ev: Evaluation, rule: Rule, trigger: CaseEvent, reason: Reason, *, steps: Steps = (),
    flags: tuple[str, ...] = (), finding: str | None = None,
) -> Clock:
    """A not_applicable clock with the reason, the lines that led to it and any would-be finding."""
    return inapplicable_at(ev, rule, trigger_of(trigger), reason, steps=steps, flags=flags, finding=finding)


def inapplicable_at(
    ev: Evaluation, rule: Rule, made: Trigger, reason: Reason, *, steps: Steps = (),
    flags: tuple[str, ...] = (), finding: str | None = None,
) -> Clock:
    """inapplicable_clock for a trigger block already built; the reason may be a recipe (written when read)."""
    return _new(Clock, (
        f"{rule.id}:{made[0]}", rule.id, rule.citation, rule.kind, made, "not_applicable", ev.calendar_name, None,
        None, None, None, None, partial(_with_reason, steps, reason), (), reason, finding,
        _distinct(flags) if len(flags) > 1 else tuple(flags),
    ))


def _distinct(flags: tuple[str, ...]) -> tuple[str, ...]:
    # Flags de-duplicated, order kept (called for two or more: none or one, nearly every clock, is distinct).
    return tuple(dict.fromkeys(flags))


def _with_reason(steps: Steps, reason: Reason) -> tuple[str, ...]:
    return (*expand(steps), f"not applicable: {text(reason)}")

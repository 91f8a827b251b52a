"""Deadline clocks whose due date a rule family derived itself (cycles, caps, extensions), with cached counts."""

from __future__ import annotations

import functools
from datetime import date

from compliance.clock import Alternative, Clock
from compliance.deadlines import clock_id, judge, trigger_of
from compliance.envelope import CaseEvent
from compliance.evaluation import Evaluation
from compliance.rulebook import Rule
from timelines.calendar import BusinessCalendar
from timelines.counting import Count, count_business_days, count_calendar_days


@functools.lru_cache(maxsize=1 << 16)
def calendar_days(cal: BusinessCalendar, start: date, n: int, label: str) -> Count:
    """count_calendar_days, memoised: a portfolio repeats the same (day 0, length) pairs many times."""
    return count_calendar_days(cal, start, n, label=label)


@functools.lru_cache(maxsize=1 << 16)
def business_days(cal: BusinessCalendar, start: date, n: int, label: str) -> Count:
    """count_business_days, memoised (its derivation lists every counted or skipped day)."""
    return count_business_days(cal, start, n, label=label)


def business_alternatives(ev: Evaluation, due: date, other: date) -> tuple[Alternative, ...]:
    """The other calendar policy's date, only when it differs from the clock's (CONTRACT §4)."""
    return (Alternative(ev.alternative.name, other),) if other != due else ()


def derived_deadline(
    ev: Evaluation, rule: Rule, trigger: CaseEvent, *, due: date, steps: tuple[str, ...],
    satisfier: CaseEvent | None, alternatives: tuple[Alternative, ...] = (), flags: tuple[str, ...] = (),
    finding: str | None = None,
) -> Clock:
    """A deadline clock due on `due` (as derived in `steps`), judged by its satisfier at as_of."""
    status, met_by, met_on = judge(due, satisfier, ev.as_of)
    if finding is not None and status == "met":
        status = "breached"
    return Clock(
        id=clock_id(rule.id, trigger), rule=rule.id, citation=rule.citation, kind=rule.kind,
        trigger=trigger_of(trigger), status=status, calendar=ev.calendar.name, due=due, met_by=met_by,
        met_on=met_on, derivation=steps, alternatives=alternatives, flags=tuple(dict.fromkeys(flags)) if flags else (),
        finding=finding,
    )


def inapplicable_clock(
    ev: Evaluation, rule: Rule, trigger: CaseEvent, reason: str, *, steps: tuple[str, ...] = (),
    flags: tuple[str, ...] = (), finding: str | None = None,
) -> Clock:
    """A not_applicable clock with the reason, the lines that led to it and any would-be finding."""
    return Clock(
        id=clock_id(rule.id, trigger), rule=rule.id, citation=rule.citation, kind=rule.kind,
        trigger=trigger_of(trigger), status="not_applicable", calendar=ev.calendar.name, reason=reason,
        derivation=(*steps, f"not applicable: {reason}"), flags=tuple(dict.fromkeys(flags)) if flags else (),
        finding=finding,
    )

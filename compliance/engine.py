"""compute_clocks: every rule family over one case's effective history, in a deterministic order."""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from datetime import date
from itertools import count as positions
from itertools import repeat
from operator import attrgetter, itemgetter
from zoneinfo import ZoneInfo

from compliance.clock import Clock
from compliance.closure import close_out
from compliance.deadlines import anchor, clock_id, count, label, trigger_of
from compliance.envelope import CaseEvent
from compliance.evaluation import Evaluation, Readings, Stamps
from compliance.events import CaseOpened
from compliance.history import History, effective_history
from compliance.rulebook import RULES, Rule
from timelines.calendar import BusinessCalendar, calendar_for

Family = Callable[[Evaluation], list[Clock]]
RULE_ORDER = {r.id: i for i, r in enumerate(RULES)}
OTHER_POLICY = {"us-6103a": "us-6103a-observed", "us-6103a-observed": "us-6103a"}
_UNTIMED = float("-inf")
DEFAULT_READINGS = Readings()  # immutable: one instance serves every evaluation that names no reading
_EVENT_ON = attrgetter("on")
_TRIGGER, _ON, _AT, _RULE, _ID, _CLOCK = itemgetter(4), itemgetter(2), itemgetter(3), itemgetter(1), itemgetter(0), \
    itemgetter(5)


@functools.cache
def _families() -> tuple[Family, ...]:
    # Imported here so that each family module can import the shared machinery without a cycle.
    from compliance import (
        contact_checks,
        early_intervention,
        errors_requests,
        foreclosure_bars,
        loss_mitigation,
        transfers,
    )

    return (
        early_intervention.clocks,
        loss_mitigation.clocks,
        foreclosure_bars.clocks,
        transfers.clocks,
        errors_requests.clocks,
        contact_checks.clocks,
    )


def _voided_clock(ev: Evaluation, rule: Rule, event: CaseEvent, reason: str) -> Clock:
    counted = count(ev, rule, anchor(event), rule.length, text=label(event))[0] if rule.length else None
    due = counted.due if counted else None
    when = {"window": "closes", "bar": "not_before"}.get(rule.kind, "due")
    return Clock(
        id=clock_id(rule.id, event), rule=rule.id, citation=rule.citation, kind=rule.kind,
        trigger=trigger_of(event), status="cancelled", calendar=ev.calendar.name,
        **{when: due}, reason=f"trigger voided: {reason}",
        derivation=(*(counted.steps if counted else ()), "cancelled: the trigger event was voided (entry_voided)"),
    )


def cancelled_by_voids(ev: Evaluation) -> list[Clock]:
    """A voided event stops counting; the clocks it would have started stay visible as cancelled."""
    out = []
    for voiding in ev.history.voidings:
        for rule in RULES:
            if voiding.voided.type in rule.triggers and rule.kind != "check":
                out.append(_voided_clock(ev, rule, voiding.voided, voiding.by.data.reason))  # type: ignore[attr-defined]
    return out


def sort_key(clock: Clock) -> tuple[object, ...]:
    """Deterministic order: trigger date, trigger instant (untimed first), rule order in the rulebook, id."""
    # The instant, not its ISO text: "09:30-05:00" is later than "10:00-04:00", and timestamp() is cheaper.
    trigger = clock[4]
    at = trigger[3]
    return (trigger[2], at.timestamp() if at else _UNTIMED, RULE_ORDER.get(clock[1], 999), clock[0])


def evaluate(
    case_id: str, profile: CaseOpened, events: Sequence[CaseEvent], calendar: BusinessCalendar, as_of: date,
    *, readings: Readings | None = None,
) -> Evaluation:
    """Build the Evaluation: corrections and voids applied, events after as_of not yet known."""
    # Events (and corrections or voids) whose legal date is after as_of were not yet known on that day.
    known = events
    if events and max(map(_EVENT_ON, events)) > as_of:
        known = [e for e in events if e.on <= as_of]
    history: History = effective_history(known, ZoneInfo(profile.timezone))
    if history.corrections:
        # Only a correction can move an event past as_of; otherwise every event is already known by then.
        history = history.until(as_of)
    alternative = calendar_for(OTHER_POLICY[calendar.name])
    return Evaluation(case_id, profile, history, calendar, alternative, as_of, readings or DEFAULT_READINGS)


def compute_clocks(
    case_id: str, profile: CaseOpened, events: Sequence[CaseEvent], calendar: BusinessCalendar, as_of: date,
    *, readings: Readings | None = None,
) -> list[Clock]:
    """Every clock of the case as of `as_of` (CONTRACT §6); the same input always gives the same list."""
    ev = evaluate(case_id, profile, events, calendar, as_of, readings=readings)
    found: list[Clock] = []
    for family in _families():
        found += family(ev)
    clocks = close_out(ev, found)
    if ev.history.voidings:
        clocks += cancelled_by_voids(ev)
    return in_order(clocks, stamps=ev.stamps)


def in_order(clocks: list[Clock], *, stamps: Stamps | None = None) -> list[Clock]:
    """sorted(clocks, key=sort_key), with the keys built by C-level maps: a timestamp per distinct instant."""
    stamps = Stamps() if stamps is None else stamps
    triggers = list(map(_TRIGGER, clocks))
    # (trigger date, instant, rule order, id, position): the position repeats sorted()'s stability, were two
    # clocks ever to share a key, and keeps the comparison off the clocks themselves.
    keys = sorted(zip(
        map(_ON, triggers), map(stamps.__getitem__, map(_AT, triggers)),
        map(RULE_ORDER.get, map(_RULE, clocks), repeat(999)), map(_ID, clocks), positions(), clocks,
    ))
    return list(map(_CLOCK, keys))


def timeline_json(case_id: str, as_of: date, calendar: str, clocks: Sequence[Clock]) -> dict[str, object]:
    """The calculator / preview answer of CONTRACT §6."""
    return {"case_id": case_id, "as_of": as_of.isoformat(), "calendar": calendar,
            "clocks": [c.to_json() for c in clocks]}

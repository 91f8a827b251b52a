"""Business-day response clocks of 1024.35/1024.36: count, one timely extension, and a date cap (sale - 1)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import partial

from compliance.clock import Clock
from compliance.deadlines import first_satisfier, label
from compliance.derived_deadline import business_alternatives, business_days, derived_deadline
from compliance.envelope import CaseEvent
from compliance.evaluation import Evaluation
from compliance.rulebook import Rule
from timelines.counting import Count

EXTENSION_DAYS = 15


@dataclass(frozen=True)
class Cap:
    """A latest permitted day that wins when earlier than the count (e.g. the day before a foreclosure sale)."""

    last_day: date
    steps: tuple[str, ...]


@dataclass(frozen=True)
class Term:
    """How long the servicer has: n business days, whether one 15-day extension is allowed, and the cite."""

    days: int
    cite: str
    extendable: bool = False
    extension_type: str | None = None
    extension_cite: str = ""


def request_deadline(
    ev: Evaluation, rule: Rule, received: CaseEvent, term: Term, *, cap: Cap | None = None,
    flags: tuple[str, ...] = (), steps: tuple[str, ...] = (),
) -> Clock:
    """n business days from receipt (day 0), +15 if extended in time, capped; met by the keyed satisfier."""
    start, base = received.on, business_days(ev.calendar, received.on, term.days, label(received))
    alt_base = ev.alternative.add_business_days(start, term.days)
    extension, notes, more_flags = _extension(ev, received, term, base.due)
    counted, alt = base, alt_base
    if extension is not None and extension.on <= base.due:
        counted = business_days(ev.calendar, start, term.days + EXTENSION_DAYS, label(received))
    if extension is not None and extension.on <= alt_base:
        # Judged per calendar: a notice sent on the other policy's day 30 extends only that reading.
        alt = ev.alternative.add_business_days(start, term.days + EXTENSION_DAYS)
    due = counted.due
    if cap is not None:
        # 1024.35(e)(3)(i)(B): the earlier of the day before the sale and the count, under each calendar reading
        # on its own (the other reading's later count is capped too, even when this one's is not).
        due, alt = min(due, cap.last_day), min(alt, cap.last_day)
    satisfier = first_satisfier(ev, rule, received, key="request_id")
    return derived_deadline(
        ev, rule, received, due=due, steps=partial(_lines, steps, counted, term, notes, cap), satisfier=satisfier,
        alternatives=business_alternatives(ev, due, alt), flags=(*flags, *more_flags),
    )


def _lines(
    steps: tuple[str, ...], counted: Count, term: Term, notes: tuple[str, ...], cap: Cap | None
) -> tuple[str, ...]:
    lines = _insert_after_day(counted.steps, term.days, (f"{term.days} days: {term.cite}", *notes))
    due = counted.due
    if cap is not None and cap.last_day < due:
        lines = (*lines, *cap.steps, f"the earlier of {cap.last_day} and day {term.days} ({due}): due {cap.last_day}")
    elif cap is not None:
        lines = (*lines, *cap.steps, f"day {term.days} ({due}) comes first: due {due}")
    return (*steps, *lines)


def _extension(
    ev: Evaluation, received: CaseEvent, term: Term, unextended: date
) -> tuple[CaseEvent | None, tuple[str, ...], tuple[str, ...]]:
    if term.extension_type is None:
        return None, (), ()
    key = received.data.request_id  # type: ignore[attr-defined]
    sent = [e for e in ev.history.happened(term.extension_type)
            if e.data.request_id == key and (e.on, e.version) > (received.on, received.version)]  # type: ignore[attr-defined]
    if not sent:
        return None, (), ()
    if not term.extendable:
        note = f"extension notice of {sent[0].on} ignored: no extension is permitted ({term.extension_cite})"
        return None, (note,), ("extension_not_permitted",)
    first, notes, flags = sent[0], [], []
    if first.on > unextended:
        notes.append(f"extension notice of {first.on} ignored: sent after day {term.days} ({unextended}); it must be "
                     f"sent before the period expires ({term.extension_cite})")
        flags.append("late_extension")
    else:
        notes.append(f"extension notice sent {first.on}, within the {term.days} days: + {EXTENSION_DAYS} days "
                     f"({term.extension_cite})")
    notes += [f"further extension notice of {e.on} ignored: only one extension is allowed" for e in sent[1:]]
    flags += ["repeated_extension"] * bool(sent[1:])
    return first, tuple(notes), tuple(flags)


def _insert_after_day(steps: tuple[str, ...], n: int, lines: tuple[str, ...]) -> tuple[str, ...]:
    # The notes belong where day n is counted, so a reader sees the unextended date before the extension.
    marker = f"day {n} "
    at = next((i for i, s in enumerate(steps) if s.startswith(marker)), len(steps) - 1)
    return (*steps[: at + 1], *lines, *steps[at + 1 :])

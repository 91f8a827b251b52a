"""Arrears by installment over time (1024.31 delinquency), folded once per case for the early-intervention rules.

Unlike a knowledge-time view, an installment is unpaid from its *due date* (not from the day the miss was
recorded) until the legal date of its installment_paid: the duties of 1024.39/1024.40 run from the due date.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from operator import attrgetter, itemgetter
from typing import NamedTuple

from compliance.envelope import CaseEvent
from compliance.history import History


class Unpaid(NamedTuple):
    """One stretch during which an installment was due and unpaid: [start, end), end None while unpaid."""

    due: date
    start: date
    end: date | None

    def covers(self, day: date) -> bool:
        """Whether the installment is unpaid on `day`."""
        return self.start <= day and (self.end is None or day < self.end)


class Episode(NamedTuple):
    """A continuous delinquency: [start, end), end None while the borrower is still delinquent."""

    start: date
    end: date | None

    def covers(self, day: date) -> bool:
        """Whether the borrower is delinquent on `day` within this episode."""
        return self.start <= day and (self.end is None or day < self.end)


@dataclass(frozen=True)
class Arrears:
    """Every installment recorded missed (the first event per due date), its unpaid stretches and repeats."""

    missed: tuple[CaseEvent, ...]
    repeats: tuple[tuple[CaseEvent, CaseEvent], ...]
    stretches: tuple[Unpaid, ...]
    paid_dates: tuple[date, ...]
    episodes: tuple[Episode, ...] = ()

    @classmethod
    def of(cls, history: History) -> Arrears:
        """Fold payment_missed / installment_paid in the order they happened (comment 31 Delinquency-2)."""
        return history.memo("Arrears", cls._fold)

    @classmethod
    def _fold(cls, history: History) -> Arrears:
        first: dict[date, CaseEvent] = {}
        repeats: list[tuple[CaseEvent, CaseEvent]] = []
        open_from: dict[date, date] = {}
        stretches: list[Unpaid] = []
        paid: list[date] = []
        for event in history.installments:
            if event.type == "payment_missed":
                due = event.data.due_date  # type: ignore[attr-defined]
                if due in first and due in open_from:
                    repeats.append((event, first[due]))
                    continue
                # A re-missed installment (e.g. a returned payment) is unpaid again from the day it was recorded.
                open_from[due] = max(due, event.on) if due in first else due
                first.setdefault(due, event)
            else:  # installment_paid: the ledger holds nothing else
                due = event.data.due_date  # type: ignore[attr-defined]
                paid.append(event.on)
                start = open_from.pop(due, None)
                if start is not None and event.on > start:
                    stretches.append(_new(Unpaid, (due, start, event.on)))
        stretches += [_new(Unpaid, (due, start, None)) for due, start in open_from.items()]
        missed = tuple(sorted(first.values(), key=_due_date))
        ordered = tuple(sorted(stretches, key=_due_start))
        return cls(missed, tuple(repeats), ordered, tuple(paid), _episodes(ordered))

    def oldest_unpaid(self, day: date) -> date | None:
        """The oldest installment due and unpaid on `day`, or None when the borrower is current."""
        for stretch in self.stretches:
            if stretch.start <= day and (stretch.end is None or day < stretch.end):  # stretch.covers(day)
                return stretch.due
        return None

    def episode_on(self, day: date) -> Episode | None:
        """The continuous delinquency under way on `day`, if any."""
        for episode in self.episodes:
            if episode.start <= day and (episode.end is None or day < episode.end):  # episode.covers(day)
                return episode
        return None

    def delinquent_throughout(self, start: date, end: date) -> bool:
        """Whether the borrower was delinquent on every day of [start, end] (as known; open stretches continue)."""
        episode = self.episode_on(start)
        return episode is not None and (episode.end is None or episode.end > end)

    def due_dates(self) -> tuple[date, ...]:
        """Every installment due date recorded missed, oldest first."""
        return tuple(e.data.due_date for e in self.missed)  # type: ignore[attr-defined]

    def next_due_after(self, day: date) -> date | None:
        """The first recorded installment due date strictly after `day` (resumption under 1024.39(c)(2))."""
        later = [d for d in self.due_dates() if d > day]
        return min(later) if later else None

    def paid_since(self, day: date) -> bool:
        """Whether any installment payment was made on or after `day` (39(c)(2)(ii): payments after filing)."""
        return any(paid >= day for paid in self.paid_dates)


_due_date = attrgetter("data.due_date")  # a payment_missed's installment (C-level sort keys: no frame per item)
_due_start = itemgetter(0, 1)  # Unpaid (due, start)
_start = itemgetter(1)  # Unpaid.start
# Unpaid(...) / Episode(...) in one C call (a named tuple's generated __new__ is a Python frame): one per stretch.
_new = tuple.__new__


def _episodes(stretches: tuple[Unpaid, ...]) -> tuple[Episode, ...]:
    # Merge overlapping or touching unpaid stretches: the borrower is delinquent while any installment is unpaid.
    merged: list[Episode] = []
    for stretch in sorted(stretches, key=_start):
        last = merged[-1] if merged else None
        if last is not None and (last.end is None or stretch.start <= last.end):
            end = None if last.end is None or stretch.end is None else max(last.end, stretch.end)
            merged[-1] = _new(Episode, (last.start, end))
        else:
            merged.append(_new(Episode, (stretch.start, stretch.end)))
    return tuple(merged)

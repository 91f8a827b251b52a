"""Sale proximity of 1024.41: days between a receipt and the sale scheduled then (rulebook §2.4, 41(b)(3))."""

from __future__ import annotations

from datetime import date
from functools import partial
from typing import NamedTuple

from compliance.clock import Steps
from compliance.history import History
from compliance.sale import sale_date_on

# Threshold words are exact (rulebook §2.4): "45 days or more", "more than 37" (>= 38), "90 days or more".
WORDING = {45: "45 or more", 38: "more than 37", 90: "90 or more"}


class Proximity(NamedTuple):
    """How far before the scheduled sale a date falls; no sale scheduled passes every test (rulebook §2.4)."""

    on: date
    sale: date | None

    @property
    def days(self) -> int | None:
        """sale_date - on in calendar days, or None when no sale was scheduled on that date."""
        return (self.sale - self.on).days if self.sale else None

    def at_least(self, threshold: int) -> bool:
        """`days >= threshold`; no scheduled sale counts as far enough (most protective reading)."""
        return self.days is None or self.days >= threshold

    def describe(self, what: str) -> str:
        """"complete 37 days before the sale on 2026-09-30" (or after it, for a stale sale date)."""
        days = self.days
        if days is None:
            return f"{what} on {self.on.isoformat()} with no foreclosure sale scheduled"
        if days < 0:
            return f"{what} {-days} days after the scheduled sale date {self.sale}"
        return f"{what} {days} days before the sale on {self.sale}"

    def line(self, threshold: int, *, what: str, cite: str) -> str:
        """A derivation line for one sale-proximity test and its outcome."""
        if self.days is None:
            return (f"sale proximity: {self.describe(what)}: every sale-proximity test passes "
                    "(comment 41(b)(2)(i)-1; rulebook §2.4)")
        outcome = "passes" if self.at_least(threshold) else "fails"
        return (f"sale proximity: sale {self.sale} - {what} {self.on} = {self.days} days; {cite} needs "
                f"{WORDING.get(threshold, f'{threshold} or more')}: {outcome}")

    def reason(self, threshold: int, *, what: str, cite: str) -> str | None:
        """None when the test passes, else why the rule does not apply (the not_applicable reason)."""
        if self.at_least(threshold):
            return None
        return f"{self.describe(what)} ({cite} needs {WORDING.get(threshold, f'{threshold} or more')})"


def proximity(history: History, on: date) -> Proximity:
    """The proximity of `on` to the sale scheduled as known on that date (later rescheduling does not count)."""
    known = history.memo("proximity", _new_memo)
    found = known.get(on)
    if found is None:
        found = known[on] = Proximity(on, sale_date_on(history, on))
    return found


def _new_memo(history: History) -> dict[date, Proximity]:
    return {}


def proximity_lines(
    near: Proximity, threshold: int, *, what: str, cite: str, more: tuple[str, ...] = ()
) -> Steps:
    """Proximity.line as a derivation recipe (written when read), followed by `more` lines."""
    return partial(_lines, near, threshold, what, cite, more)


def _lines(near: Proximity, threshold: int, what: str, cite: str, more: tuple[str, ...]) -> tuple[str, ...]:
    return (near.line(threshold, what=what, cite=cite), *more)

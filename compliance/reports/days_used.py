"""How much of the allowed time a met deadline used: days from trigger to met_on over days from trigger to due.

Both are counted in the rule's unit (CONTRACT §3): calendar days, or business days of the clock's calendar
for `rxbd` rules, day 0 being the trigger's legal date. The allowed days are measured to the clock's own due
date, so extensions (1024.35(e)(3)(ii), 1024.36(d)(2)(ii)) and the shorter payoff and owner-identity
periods are already in it. 1.0 means the deadline was met on its due date; above 1.0, late.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from compliance.reports.records import ClockRecord
from compliance.rulebook import RULES_BY_ID
from timelines.calendar import calendar_for


@dataclass(frozen=True)
class DaysUsed:
    """Days used and days allowed, in the rule's unit."""

    used: int
    allowed: int
    unit: str

    @property
    def share(self) -> float:
        """used / allowed."""
        return self.used / self.allowed


def unit_of(rule_id: str) -> str:
    """The counting unit of a rule: "rxbd" or "cal" (calendar days when the rule is unknown or has none)."""
    known = RULES_BY_ID.get(rule_id)
    return "rxbd" if known is not None and known.unit == "rxbd" else "cal"


def days_between(start: date, end: date, *, unit: str, calendar: str) -> int:
    """Days in (start, end] in the unit (0 when end is not after start)."""
    if unit == "rxbd":
        return calendar_for(calendar).business_days_between(start, end)
    return max((end - start).days, 0)


def days_used(record: ClockRecord) -> DaysUsed | None:
    """Days used of the allowed days for a met deadline (on time or late); None when not met or nothing allowed."""
    if record.met_on is None or record.due is None or record.met_by is None:
        return None
    unit = unit_of(record.rule)
    allowed = days_between(record.trigger_on, record.due, unit=unit, calendar=record.calendar)
    if allowed <= 0:
        return None
    used = days_between(record.trigger_on, record.met_on, unit=unit, calendar=record.calendar)
    return DaysUsed(used, allowed, unit)

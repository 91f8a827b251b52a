"""Everything an export says about one case, computed once from its stored events (no I/O here).

The clocks, the Regulation F contact ledger and the effective history come from the rule engine exactly as
the service computes them (compliance.engine), judged as of one date under one calendar policy.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from audit.export.breaches import BreachRecord, breach_records
from audit.reads import StoredEvent, to_case_events
from compliance.alerting import local_today
from compliance.clock import Clock
from compliance.contact_ledger import ContactEntry, contact_ledger
from compliance.engine import compute_clocks, evaluate
from compliance.evaluation import Readings
from compliance.events import CaseOpened
from compliance.history import History
from timelines.calendar import calendar_for


@dataclass(frozen=True)
class CaseMaterial:
    """One case as exported: its stored events and what the engine derives from them as of `as_of`."""

    case_id: str
    stored: tuple[StoredEvent, ...]
    profile: CaseOpened
    calendar: str
    as_of: date
    clocks: tuple[Clock, ...]
    contacts: tuple[ContactEntry, ...]
    history: History
    breaches: tuple[BreachRecord, ...]

    @property
    def zone(self) -> ZoneInfo:
        """The case's time zone."""
        return ZoneInfo(self.profile.timezone)


def gather_case(
    stored: Sequence[StoredEvent], *, now: datetime, calendar: str, as_of: date | None = None,
    readings: Readings | None = None,
) -> CaseMaterial:
    """Compute a case's clocks, contact ledger and history; `as_of` defaults to today in the case's zone."""
    if not stored or stored[0].type != "case_opened":
        raise ValueError(f"case {stored[0].case_id if stored else '?'} does not start with case_opened")
    profile = CaseOpened.model_validate(stored[0].data)
    zone = ZoneInfo(profile.timezone)
    day = as_of or local_today(now, zone)
    events = to_case_events(stored, zone=zone)
    policy = calendar_for(calendar)
    # The profile is the case_opened event itself; the engine reads the events that follow it.
    clocks = compute_clocks(stored[0].case_id, profile, events[1:], policy, day, readings=readings)
    evaluation = evaluate(stored[0].case_id, profile, events[1:], policy, day, readings=readings)
    return CaseMaterial(
        case_id=stored[0].case_id, stored=tuple(stored), profile=profile, calendar=calendar, as_of=day,
        clocks=tuple(clocks), contacts=contact_ledger(evaluation), history=evaluation.history,
        breaches=tuple(breach_records(stored)),
    )

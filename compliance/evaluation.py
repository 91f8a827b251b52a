"""What every rule family reads: the case profile, its effective history, calendars, as_of and options."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Literal
from zoneinfo import ZoneInfo

from compliance.events import CaseOpened
from compliance.history import History
from timelines.calendar import BusinessCalendar


@dataclass(frozen=True)
class Readings:
    """Configurable readings of unclear provisions; each default is the conservative one (rulebook §9)."""

    # 1006.14/1006.6 bind FDCPA debt collectors only; "all_loans" also judges other loans (UDAAP/state risk).
    regf_scope: Literal["debt_collector_only", "all_loans"] = "debt_collector_only"
    # 1024.39(a) is met by live contact "or good faith efforts"; "live_contact_only" refuses mere attempts.
    live_contact_satisfied_by: Literal["attempt_or_contact", "live_contact_only"] = "attempt_or_contact"


@dataclass(frozen=True)
class Evaluation:
    """The immutable input of every rule family for one case at one as_of date."""

    case_id: str
    profile: CaseOpened
    history: History
    calendar: BusinessCalendar
    alternative: BusinessCalendar
    as_of: date
    readings: Readings = field(default_factory=Readings)

    @property
    def zone(self) -> ZoneInfo:
        """The case's time zone (CONTRACT §1: legal dates are dates in this zone)."""
        return ZoneInfo(self.profile.timezone)

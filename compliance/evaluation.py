"""What every rule family reads: the case profile, its effective history, calendars, as_of and options."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Literal, TypeVar
from zoneinfo import ZoneInfo

from compliance.events import CaseOpened
from compliance.history import History, computed_once
from timelines.calendar import BusinessCalendar

T = TypeVar("T")
_MISSING = object()


class Stamps(dict[datetime | None, float]):
    """datetime -> POSIX timestamp, filled on first use; None (an untimed trigger) sorts first, as -inf."""

    def __missing__(self, at: datetime | None) -> float:
        stamp = self[at] = float("-inf") if at is None else at.timestamp()
        return stamp


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

    @computed_once
    def zone(self) -> ZoneInfo:
        """The case's time zone (CONTRACT §1: legal dates are dates in this zone)."""
        return ZoneInfo(self.profile.timezone)

    @computed_once
    def stamps(self) -> Stamps:
        """POSIX timestamps of the case's trigger instants (contacts), computed once for sorting and ordering."""
        return Stamps()

    @computed_once
    def calendar_name(self) -> str:
        """The calendar policy's name (every clock carries it)."""
        return self.calendar.name

    def memo(self, key: str, build: Callable[[Evaluation], T]) -> T:
        """A value several rule families derive from this evaluation, built once (the evaluation is immutable)."""
        store = self.__dict__
        value = store.get(key, _MISSING)
        if value is _MISSING:
            value = store[key] = build(self)
        return value  # type: ignore[no-any-return]

"""One synthetic case under construction: its events, the people working it, and what has happened by today."""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo

from timelines.calendar import BusinessCalendar

# Client ids of events that a later correction or void names: stable per case id and ordinal.
DEMO_NAMESPACE = uuid.UUID("3b0f7d5e-2a61-4c1f-9d7e-6c2a0f4e8b13")
# How each servicer act turns out: on time, late (after the deadline) or never done.
Slip = Literal["on_time", "late", "missing"]


@dataclass(frozen=True)
class Team:
    """A servicing team: its manager, its specialists and how often its work slips (for a realistic spread)."""

    name: str
    manager_id: str
    staff: tuple[str, ...]
    late: float
    missing: float


@dataclass
class Ledger:
    """The case's installment events as (day, due date, paid), in the order they happened (12 CFR 1024.31)."""

    entries: list[tuple[date, date, bool]] = field(default_factory=list)

    def unpaid_on(self, day: date) -> list[date]:
        """Due dates missed and not yet paid at the end of `day`, oldest first."""
        unpaid: list[date] = []
        for on, due, paid in self.entries:
            if on > day:
                break
            if not paid:
                unpaid.append(due)
            elif due in unpaid:
                unpaid.remove(due)
        return sorted(unpaid)

    def oldest_unpaid(self, day: date) -> date | None:
        """The oldest unpaid due date on `day` (None when current)."""
        unpaid = self.unpaid_on(day)
        return unpaid[0] if unpaid else None

    def missed(self) -> list[date]:
        """Every due date recorded as missed, in order."""
        return [due for _, due, paid in self.entries if not paid]


@dataclass
class CaseBuilder:
    """Collects one case's events; anything dated after yesterday has not happened yet and is dropped.

    Plain dates are kept up to `today - 1` and timestamps before `today` 00:00 UTC, so that the store,
    whose `now` is some instant of `today` in any US zone, never sees an event in the future.
    """

    case_id: str
    rng: random.Random
    today: date
    zone: ZoneInfo
    borrower_zone: ZoneInfo
    team: Team
    staff_id: str
    calendar: BusinessCalendar
    judicial: bool = False
    quiet: list[tuple[date, date | None]] = field(default_factory=list)
    ledger: Ledger = field(default_factory=Ledger)
    # (recorded on, sale date or None once cancelled/held): what a sale-proximity test sees on a day.
    sales: list[tuple[date, date | None]] = field(default_factory=list)
    _events: list[tuple[tuple[Any, ...], dict[str, Any]]] = field(default_factory=list)
    _ids: int = 0

    @property
    def last_day(self) -> date:
        """The latest legal date an event may carry (yesterday)."""
        return self.today - timedelta(days=1)

    def happened(self, day: date) -> bool:
        """Whether a date is on or before the last day (so an event then is recorded)."""
        return day <= self.last_day

    def add(self, kind: str, day: date, data: dict[str, Any] | None = None, *, ref: bool = False) -> str | None:
        """Record an event on a legal date; returns its client id (ref) or "" — None when not yet happened."""
        if not self.happened(day):
            return None
        event: dict[str, Any] = {"type": kind, "occurred_at": day.isoformat(), "data": data or {}}
        return self._keep(event, (day, 0, "", len(self._events)), ref=ref)

    def add_at(self, kind: str, moment: datetime, data: dict[str, Any], *, ref: bool = False) -> str | None:
        """Record a timestamped event (contacts); dropped unless both its legal date and instant have passed."""
        legal = moment.astimezone(self.zone).date()
        if not self.happened(legal) or moment >= datetime.combine(self.today, time(0), tzinfo=UTC):
            return None
        event = {"type": kind, "occurred_at": moment.isoformat(), "data": data}
        return self._keep(event, (legal, 1, moment.astimezone(UTC).isoformat(), len(self._events)), ref=ref)

    def _keep(self, event: dict[str, Any], key: tuple[Any, ...], *, ref: bool) -> str:
        client_id = ""
        if ref:
            self._ids += 1
            client_id = str(uuid.uuid5(DEMO_NAMESPACE, f"{self.case_id}/{self._ids}"))
            event["id"] = client_id
        self._events.append((key, event))
        return client_id

    def events(self) -> list[dict[str, Any]]:
        """The events in the order they happened (legal date, dated before timestamped, then time), up to closing."""
        ordered = sorted(self._events, key=lambda item: item[0])
        closed = min(self.dates("case_closed"), default=None)
        # Nothing happens to a closed case: later installments or calls planned before it closed never occur.
        return [event for key, event in ordered if closed is None or key[0] <= closed]

    def dates(self, kind: str) -> list[date]:
        """The legal dates of the recorded events of a type."""
        return [key[0] for key, event in self._events if event["type"] == kind]

    def count(self, kind: str) -> int:
        """How many events of a type were recorded so far."""
        return sum(event["type"] == kind for _, event in self._events)

    def serial(self, prefix: str, kind: str) -> str:
        """The next id of an application ("A1") or request ("E1", "R2"): one more than those recorded."""
        return f"{prefix}{self.count(kind) + 1}"

    def sale_on(self, day: date) -> date | None:
        """The sale date scheduled as known on `day` (the latest scheduling; cleared by a cancellation)."""
        known = [sale for on, sale in sorted(self.sales, key=lambda s: s[0]) if on <= day]
        return known[-1] if known else None

    # --- timing -------------------------------------------------------------------------------------------

    def slip(self, *, late: float | None = None, missing: float | None = None) -> Slip:
        """Whether an act is done on time, late or not at all (defaults: the team's habits)."""
        draw = self.rng.random()
        missing = self.team.missing if missing is None else missing
        late = self.team.late if late is None else late
        return "missing" if draw < missing else "late" if draw < missing + late else "on_time"

    def days(self, start: date, low: int, high: int) -> date:
        """A calendar date low..high days after start."""
        return start + timedelta(days=self.rng.randint(low, high))

    def workday(self, start: date, low: int, high: int) -> date:
        """A servicer's working day about low..high days after start (a weekend or holiday moves back a day or two)."""
        day = self.calendar.last_business_day_on_or_before(self.days(start, low, high))
        return day if day >= start + timedelta(days=low) else self.calendar.add_business_days(day, 1)

    def business(self, start: date, low: int, high: int) -> date:
        """A date low..high business days (Reg X: no weekends, no 6103(a) holidays) after start."""
        return self.calendar.add_business_days(start, self.rng.randint(low, high))

    def local(self, day: date, hour: int, minute: int) -> datetime:
        """A wall-clock moment at the borrower's location (DST-aware)."""
        return datetime.combine(day, time(hour, minute), tzinfo=self.borrower_zone)

    def is_quiet(self, day: date) -> bool:
        """Whether calls are suspended on a day (bankruptcy stay, cease-communication notice)."""
        return any(start <= day and (end is None or day < end) for start, end in self.quiet)

    # --- people ------------------------------------------------------------------------------------------

    def contact(self, moment: datetime, *, outcome: str, channel: str = "phone", direction: str = "outbound",
                party: str = "borrower", summary: str | None = None) -> str | None:
        """Log a contact attempt or conversation, in the borrower's zone when it differs from the case's."""
        data: dict[str, Any] = {"channel": channel, "direction": direction, "outcome": outcome, "party": party,
                                "staff_id": self.staff_id}
        if summary:
            data["summary"] = summary
        if self.borrower_zone.key != self.zone.key:
            data["borrower_timezone"] = self.borrower_zone.key
        return self.add_at("contact_logged", moment, data)

    def assign(self, day: date, *, team: Team | None = None) -> None:
        """case_assigned: who works the case (alerts are routed by it)."""
        if team is not None:
            self.team, self.staff_id = team, self.rng.choice(team.staff)
        self.add("case_assigned", day, {"team": self.team.name, "staff_id": self.staff_id,
                                        "manager_id": self.team.manager_id})

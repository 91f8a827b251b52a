"""Event trails for the API: a case's events and the audit query across cases, filtered and paged."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime

from sqlalchemy import Engine

from api.auth import Principal, clamp
from api.case_views import scoped_case
from audit.reads import StoredEvent, events_after, recorded_at_text

READ_PAGE = 1_000
SCAN_BUDGET = 20_000  # log events examined per audit query at most; `next_after` resumes the scan


@dataclass(frozen=True)
class EventFilter:
    """Event filters, all optional. Occurred dates compare the date of occurred_at as written."""

    types: frozenset[str] | None = None
    actor: str | None = None
    case_ids: frozenset[str] | None = None
    occurred_from: date | None = None
    occurred_to: date | None = None
    recorded_from: datetime | None = None
    recorded_to: datetime | None = None

    def matches(self, event: StoredEvent) -> bool:
        """True when the event passes every given filter."""
        if self.types is not None and event.type not in self.types:
            return False
        if self.actor is not None and event.actor_id != self.actor:
            return False
        if self.case_ids is not None and event.case_id not in self.case_ids:
            return False
        return self._occurred(event) and self._recorded(event)

    def _occurred(self, event: StoredEvent) -> bool:
        if self.occurred_from is None and self.occurred_to is None:
            return True
        # "2026-07-02" or "2026-07-02T09:15:00-04:00": the first ten characters are the date as written.
        day = date.fromisoformat(event.occurred_at[:10])
        return (self.occurred_from is None or day >= self.occurred_from) and (
            self.occurred_to is None or day <= self.occurred_to
        )

    def _recorded(self, event: StoredEvent) -> bool:
        # recorded_at is fixed-width UTC text: text order is time order.
        return (self.recorded_from is None or event.recorded_at >= recorded_at_text(self.recorded_from)) and (
            self.recorded_to is None or event.recorded_at <= recorded_at_text(self.recorded_to)
        )


@dataclass(frozen=True)
class EventPage:
    """Events and where the next page starts (a version within a case, a position in the log), or None."""

    items: list[StoredEvent]
    next_after: int | None


def scoped_filter(principal: Principal, wanted: EventFilter) -> EventFilter:
    """The filter narrowed to the token's case list and examination period."""
    start, end = clamp(principal, wanted.occurred_from, wanted.occurred_to)
    cases = wanted.case_ids
    if principal.grant.cases is not None:
        allowed = frozenset(principal.grant.cases)
        cases = allowed if cases is None else cases & allowed
    return replace(wanted, occurred_from=start, occurred_to=end, case_ids=cases)


def _page(matching: Sequence[StoredEvent], limit: int) -> EventPage:
    items = list(matching[:limit])
    return EventPage(items, items[-1].version if len(matching) > limit else None)


def case_trail(
    engine: Engine, principal: Principal, case_id: str, wanted: EventFilter, *,
    after_version: int = 0, limit: int = 100, as_known_at: datetime | None = None,
) -> EventPage:
    """A case's events in version order (as known at a past time, if given), filtered, after a version."""
    stored = scoped_case(engine, principal, case_id, as_known_at=as_known_at)
    narrowed = scoped_filter(principal, wanted)
    matching = [e for e in stored if e.version > after_version and narrowed.matches(e)]
    return _page(matching, limit)


def audit_events(
    engine: Engine, principal: Principal, wanted: EventFilter, *, after: int = 0, limit: int = 100
) -> EventPage:
    """Events across cases in log order after a position, filtered; stops after SCAN_BUDGET events examined."""
    narrowed = scoped_filter(principal, wanted)
    found: list[StoredEvent] = []
    position, scanned = after, 0
    while scanned < SCAN_BUDGET:
        batch = events_after(engine, position, limit=READ_PAGE)
        for event in batch:
            position, scanned = event.position, scanned + 1
            if narrowed.matches(event):
                found.append(event)
                if len(found) == limit:
                    return EventPage(found, position)
        if len(batch) < READ_PAGE:
            return EventPage(found, None)
    return EventPage(found, position)

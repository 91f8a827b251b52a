"""Case reads for the API: a case's events within the caller's scope, its summary, and the filtered case list.

Until the monitoring issue's projections exist, summaries are folded from each case's events on read.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Engine

from api.auth import Principal, as_of_for, check_case, may_see
from api.case_clocks import DEFAULT_READINGS, clock_counts, stored_timeline
from api.errors import InvalidParameter
from audit.errors import CaseNotFound
from audit.reads import StoredEvent, case_events, case_ids, case_zone, recorded_at_text, to_case_events
from compliance.envelope import CaseEvent
from compliance.evaluation import Readings
from compliance.history import effective_history

SCAN_BUDGET = 2_000  # cases folded per list request at most; the cursor resumes where the scan stopped


@dataclass(frozen=True)
class CaseSummary:
    """A case at a glance, from its effective history (corrections applied, voided events set aside)."""

    case_id: str
    version: int
    loan_id: str
    property_state: str
    timezone: str
    investor: str | None
    opened_on: date
    team: str | None
    staff_id: str | None
    manager_id: str | None
    status: str
    closed_reason: str | None
    closed_on: date | None
    last_recorded_at: str

    def to_json(self) -> dict[str, Any]:
        """Plain JSON values (dates as ISO strings)."""
        out = asdict(self)
        out["opened_on"] = self.opened_on.isoformat()
        out["closed_on"] = self.closed_on.isoformat() if self.closed_on else None
        return out


def team_of(stored: Sequence[StoredEvent]) -> str | None:
    """The team of the latest case_assigned event as recorded (the rule audit.tokens.case_team applies)."""
    for event in reversed(stored):
        if event.type == "case_assigned":
            return str(event.data["team"])
    return None


def _effective(stored: Sequence[StoredEvent]) -> list[CaseEvent]:
    events = to_case_events(stored)
    return list(effective_history(events, case_zone(stored)).events)


def summarize(stored: Sequence[StoredEvent]) -> CaseSummary:
    """Fold a case's stored events (version order, case_opened first) into its summary."""
    effective = _effective(stored)
    opened = effective[0]
    profile: Any = opened.data
    assigned: Any = next((e.data for e in reversed(effective) if e.type == "case_assigned"), None)
    closed = next((e for e in reversed(effective) if e.type == "case_closed"), None)
    return CaseSummary(
        case_id=stored[0].case_id, version=stored[-1].version, loan_id=profile.loan_id,
        property_state=profile.property_state, timezone=profile.timezone, investor=profile.investor,
        opened_on=opened.on, team=assigned.team if assigned else None,
        staff_id=assigned.staff_id if assigned else None, manager_id=assigned.manager_id if assigned else None,
        status="closed" if closed else "open", closed_reason=getattr(closed.data, "reason", None) if closed else None,
        closed_on=closed.on if closed else None, last_recorded_at=stored[-1].recorded_at,
    )


def scoped_case(
    engine: Engine, principal: Principal, case_id: str, *, as_known_at: datetime | None = None
) -> list[StoredEvent]:
    """The case's events (as known at a past time, if given) once the caller's scope allows the case."""
    stored = case_events(engine, case_id)
    if not stored:
        raise CaseNotFound(case_id)
    # Scope follows the case as it stands now, whatever past view is asked for.
    check_case(principal, case_id, team=team_of(stored))
    if as_known_at is None:
        return stored
    cutoff = recorded_at_text(as_known_at)
    known = [e for e in stored if e.recorded_at <= cutoff]
    if not known:
        raise CaseNotFound(case_id)
    return known


@dataclass(frozen=True)
class CaseFilters:
    """Case-list filters (all optional) and paging: `after` is the last case id of the previous page."""

    team: str | None = None
    manager_id: str | None = None
    status: str | None = None
    property_state: str | None = None
    after: str | None = None
    limit: int = 50

    def matches(self, summary: CaseSummary) -> bool:
        """True when the summary passes every given filter."""
        return (
            (self.team is None or summary.team == self.team)
            and (self.manager_id is None or summary.manager_id == self.manager_id)
            and (self.status is None or summary.status == self.status)
            and (self.property_state is None or summary.property_state == self.property_state)
        )


@dataclass(frozen=True)
class CasePage:
    """One page of case summaries and the cursor of the next page (None at the end)."""

    items: list[CaseSummary]
    next_after: str | None


def _start(ids: list[str], after: str | None) -> int:
    if after is None:
        return 0
    try:
        return ids.index(after) + 1
    except ValueError:
        raise InvalidParameter("query.after", f"no case {after!r} to continue after") from None


def list_cases(engine: Engine, principal: Principal, filters: CaseFilters) -> CasePage:
    """Cases the caller may see that pass the filters, in the order they were opened."""
    ids = case_ids(engine)  # opened order is log order: stable, since cases are never removed
    start = _start(ids, filters.after)
    found: list[CaseSummary] = []
    scanned = ids[start : start + SCAN_BUDGET]
    for index, case_id in enumerate(scanned):
        stored = case_events(engine, case_id)
        if not may_see(principal, case_id, team=team_of(stored)):
            continue
        summary = summarize(stored)
        if filters.matches(summary):
            found.append(summary)
        if len(found) == filters.limit:
            more = start + index + 1 < len(ids)
            return CasePage(found, case_id if more else None)
    more = start + len(scanned) < len(ids)
    return CasePage(found, scanned[-1] if more and scanned else None)


def summary_with_clocks(
    engine: Engine, principal: Principal, case_id: str, *, as_of: date | None, calendar: str, now: datetime,
    readings: Readings = DEFAULT_READINGS,
) -> dict[str, Any]:
    """The case's summary with its clocks counted by status as of `as_of` (default: today in its zone)."""
    stored = scoped_case(engine, principal, case_id)
    day = as_of_for(principal, as_of, today=now.astimezone(case_zone(stored)).date())
    summary = summarize(stored).to_json()
    summary.update(as_of=day, calendar=calendar, clocks=clock_counts(stored, as_of=day, calendar=calendar,
                                                                      readings=readings))
    return summary


def case_timeline(
    engine: Engine, principal: Principal, case_id: str, *,
    as_of: date | None, calendar: str, now: datetime, as_known_at: datetime | None = None,
    readings: Readings = DEFAULT_READINGS,
) -> dict[str, object]:
    """The case's clocks (CONTRACT §6) as of `as_of`, from the log as it stands or as known at a past instant."""
    stored = scoped_case(engine, principal, case_id, as_known_at=as_known_at)
    day = as_of_for(principal, as_of, today=now.astimezone(case_zone(stored)).date())
    return stored_timeline(stored, as_of=day, calendar=calendar, readings=readings)

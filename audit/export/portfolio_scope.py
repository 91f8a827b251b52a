"""What a portfolio export covers, and the paged queries that stream it (the database does the filtering).

A scope is a list of cases, or a date range: the cases with at least one event RECORDED (UTC) on a day from
`recorded_from` to `recorded_to` inclusive. Either way every event of those cases up to the checkpoint is
exported, so each case's versions run 1..n and its clocks are computed from its whole history.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Connection, select, true

from audit.reads import DEFAULT_ZONE, StoredEvent, stored_event
from audit.schema import events

PAGE = 2_000  # whole rows per query: memory is one page whatever the portfolio's size
CASE_PAGE = 500


@dataclass(frozen=True)
class PortfolioScope:
    """Cases by id, or the cases touched (an event recorded) in a range of UTC days."""

    cases: tuple[str, ...] | None = None
    recorded_from: date | None = None
    recorded_to: date | None = None

    def __post_init__(self) -> None:
        ranged = self.recorded_from is not None or self.recorded_to is not None
        if (self.cases is None) == (not ranged):
            raise ValueError("a portfolio is either a list of cases or a date range, exactly one of them")
        if ranged and (self.recorded_from is None or self.recorded_to is None):
            raise ValueError("a date range needs both its first and its last day")
        if ranged and self.recorded_from > self.recorded_to:  # type: ignore[operator]
            raise ValueError(f"the range {self.recorded_from}..{self.recorded_to} runs backwards")

    def to_json(self) -> dict[str, Any]:
        """The manifest's `scope`."""
        if self.cases is not None:
            return {"cases": sorted(self.cases)}
        return {"recorded_from": str(self.recorded_from), "recorded_to": str(self.recorded_to),
                "meaning": "cases with an event recorded (UTC) on one of these days, each exported whole"}

    def case_filter(self) -> ColumnElement[bool]:
        """SQL condition on events.case_id selecting the scope's cases."""
        if self.cases is not None:
            return events.c.case_id.in_(self.cases)
        first = f"{self.recorded_from}T00:00:00.000000Z"
        after = f"{self.recorded_to + timedelta(days=1)}T00:00:00.000000Z"  # type: ignore[operator]
        touched = select(events.c.case_id).where(events.c.recorded_at >= first, events.c.recorded_at < after)
        return events.c.case_id.in_(touched)


def scoped_event_pages(
    conn: Connection, scope: PortfolioScope, *, upto: int, page: int | None = None
) -> Iterator[list[StoredEvent]]:
    """The scope's events at positions 1..upto in position order, one page at a time."""
    after, page = 0, page or PAGE
    while True:
        rows = conn.execute(
            select(events).where(events.c.position > after, events.c.position <= upto, scope.case_filter())
            .order_by(events.c.position).limit(page)
        ).all()
        if rows:
            yield [stored_event(row) for row in rows]
        if len(rows) < page:
            return
        after = int(rows[-1].position)


def scoped_case_ids(
    conn: Connection, scope: PortfolioScope | None, *, upto: int, page: int = CASE_PAGE
) -> Iterator[str]:
    """The scope's case ids (every case when None) opened by position `upto`, in id order, paged."""
    after = ""
    wanted = scope.case_filter() if scope is not None else true()
    while True:
        ids = list(conn.scalars(
            select(events.c.case_id).where(events.c.type == "case_opened", events.c.position <= upto,
                                           events.c.case_id > after, wanted)
            .order_by(events.c.case_id).limit(page)
        ))
        yield from ids
        if len(ids) < page:
            return
        after = ids[-1]


def case_until(conn: Connection, case_id: str, *, upto: int) -> list[StoredEvent]:
    """One case's events at positions up to `upto`, in version order."""
    query = select(events).where(events.c.case_id == case_id, events.c.position <= upto).order_by(events.c.version)
    return [stored_event(row) for row in conn.execute(query)]


def case_zones(conn: Connection, case_ids: Sequence[str]) -> dict[str, str]:
    """The time zone of each case (from its case_opened), for legal dates in events.csv."""
    query = select(events.c.case_id, events.c.data).where(events.c.type == "case_opened",
                                                          events.c.case_id.in_(set(case_ids)))
    zones = {}
    for case_id, data in conn.execute(query):
        zones[case_id] = str(json.loads(data).get("timezone") or DEFAULT_ZONE)
    return zones

"""What a portfolio export covers, and the paged queries that stream it (the database does the filtering).

A scope is a list of cases, or a date range: the cases with at least one event RECORDED (UTC) on a day from
`recorded_from` to `recorded_to` inclusive. Either way every event of those cases up to the checkpoint is
exported, so each case's versions run 1..n and its clocks are computed from its whole history.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Connection, select, true

from audit.database import translated
from audit.export.event_pages import PAGE_COLUMNS
from audit.reads import DEFAULT_ZONE, StoredEvent, stored_event
from audit.schema import events

PAGE = 2_000  # whole rows fetched at a time: memory is one page whatever the portfolio's size
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

    def case_filter(self, *, by_index: bool = True) -> ColumnElement[bool]:
        """SQL condition on events.case_id selecting the scope's cases.

        Without `by_index`, a date range's condition is one no index answers, so that a query ordered by
        position reads the log in that order (see scoped_event_rows).
        """
        if self.cases is not None:
            return events.c.case_id.in_(self.cases)
        first = f"{self.recorded_from}T00:00:00.000000Z"
        after = f"{self.recorded_to + timedelta(days=1)}T00:00:00.000000Z"  # type: ignore[operator]
        touched = select(events.c.case_id).where(events.c.recorded_at >= first, events.c.recorded_at < after)
        case_id = events.c.case_id if by_index else events.c.case_id.concat("")
        return case_id.in_(touched)


def scoped_event_rows(
    conn: Connection, scope: PortfolioScope, *, upto: int, page: int | None = None
) -> Iterator[list[tuple[Any, ...]]]:
    """The scope's events at positions 1..upto in position order, as rows of PAGE_COLUMNS, a page at a time.

    One query, streamed (a server-side cursor on PostgreSQL, SQLite steps through it): the scope's subquery
    runs once. Paging by position re-ran it for every page, which over a date range made an export quadratic.
    A date range (a quarter: most of the log) is read in position order, each row's case tested against the
    touched cases, rather than found case by case through the index and then sorted whole by the database.
    Rows come from the driver's cursor as plain tuples: SQLAlchemy's result rows cost a third of the read
    (bench/export.py), as its statements did on the append path (audit.append_sql).
    """
    query = (select(*(events.c[name] for name in PAGE_COLUMNS))
             .where(events.c.position <= upto, scope.case_filter(by_index=False)).order_by(events.c.position))
    compiled = query.compile(dialect=conn.dialect, compile_kwargs={"render_postcompile": True})
    parameters = ([compiled.params[name] for name in compiled.positiontup or ()] if compiled.positional
                  else compiled.params)
    driver: Any = conn.connection.dbapi_connection
    postgres = conn.dialect.name == "postgresql"
    cursor = driver.cursor(name="portfolio_events") if postgres else driver.cursor()
    try:
        cursor.execute(str(compiled), parameters)
        while rows := cursor.fetchmany(page or PAGE):
            yield rows
    except conn.dialect.loaded_dbapi.Error as exc:
        raise translated(conn, exc, str(compiled), parameters) from exc
    finally:
        cursor.close()


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


def case_zones(conn: Connection, case_ids: Iterable[str], *, known: Mapping[str, str] | None = None) -> dict[str, str]:
    """The time zone of each case (its case_opened's, else the servicer's), for legal dates in events.csv.

    Zones in `known` (the previous page's: a case's events often span two pages) are not read again.
    """
    known, wanted = known or {}, set(case_ids)
    zones = {case_id: known[case_id] for case_id in wanted if case_id in known}
    wanted -= zones.keys()
    if not wanted:
        return zones
    # case_opened is always version 1 (CONTRACT §1-§2): the (case_id, version) index finds each directly. The
    # type is checked here, not in SQL, where it would tempt SQLite into scanning every case_opened instead.
    query = select(events.c.case_id, events.c.type, events.c.data).where(
        events.c.case_id.in_(wanted), events.c.version == 1)
    for case_id, kind, data in conn.execute(query).all():
        if kind == "case_opened":
            zones[case_id] = str(json.loads(data).get("timezone") or DEFAULT_ZONE)
    return zones

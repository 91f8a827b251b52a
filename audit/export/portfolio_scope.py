"""What a portfolio export covers, and the paged queries that stream it (the database does the filtering).

A scope is a list of cases, or a date range: the cases with at least one event RECORDED (UTC) on a day from
`recorded_from` to `recorded_to` inclusive. Either way every event of those cases up to the checkpoint is
exported, so each case's versions run 1..n and its clocks are computed from its whole history.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from itertools import islice
from operator import itemgetter
from typing import Any

from sqlalchemy import ColumnElement, Connection, Select, and_, or_, select, true

from audit.database import translated
from audit.export.event_pages import CASE, DATA, PAGE_COLUMNS, TYPE, VERSION, per_event
from audit.reads import DEFAULT_ZONE, StoredEvent, positions_recorded_in
from audit.schema import events

PAGE = 2_000  # whole rows fetched at a time: memory is one page whatever the portfolio's size
ZONES_KEPT = 1 << 15  # cases whose time zone is remembered across pages (about 4 MB), whatever the size


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

    def recorded_text_range(self) -> tuple[str, str] | None:
        """[first, after) as stored recorded_at text for a date range (None for a list of cases)."""
        if self.cases is not None:
            return None
        return (f"{self.recorded_from}T00:00:00.000000Z",
                f"{self.recorded_to + timedelta(days=1)}T00:00:00.000000Z")  # type: ignore[operator]

    def case_filter(self, conn: Connection, *, by_index: bool = True) -> ColumnElement[bool]:
        """SQL condition on an events row selecting the scope's cases.

        A date range is first turned into the positions recorded in it (audit.reads.positions_recorded_in: a
        binary search, recorded_at being monotone along positions), so that no index on recorded_at is needed
        and the touched cases are read from one run of the primary key. Without `by_index`, the condition is
        one no index answers, so that a query ordered by position reads the log in that order (see
        scoped_event_rows); and an event in the range passes without its case being looked up among the touched
        ones: it touched its case.
        """
        bounds = self.recorded_text_range()
        if bounds is None:
            return events.c.case_id.in_(self.cases or ())
        lo, hi = positions_recorded_in(conn, *bounds)
        in_range = and_(events.c.position >= lo, events.c.position <= hi)
        touched = select(events.c.case_id).where(in_range)
        if by_index:
            return events.c.case_id.in_(touched)
        # "+ 0" keeps SQLite from answering the position condition by the primary key (in_range is an OR's arm).
        in_range_unindexed = and_(events.c.position + 0 >= lo, events.c.position + 0 <= hi)
        return or_(in_range_unindexed, events.c.case_id.concat("").in_(touched))


def scoped_event_rows(
    conn: Connection, scope: PortfolioScope, *, upto: int, page: int | None = None
) -> Iterator[list[tuple[Any, ...]]]:
    """The scope's events at positions 1..upto in position order, as rows of PAGE_COLUMNS, a page at a time.

    One query, streamed: the scope's subquery runs once. Paging by position re-ran it for every page, which over
    a date range made an export quadratic. A date range (a quarter: most of the log) is read in position order,
    each row's case tested against the touched cases, rather than found case by case through the index and then
    sorted whole by the database.
    """
    query = (select(*(events.c[name] for name in PAGE_COLUMNS))
             .where(events.c.position <= upto, scope.case_filter(conn, by_index=False)).order_by(events.c.position))
    yield from _streamed(conn, query, page=page or PAGE, name="portfolio_events")


def scoped_cases(
    conn: Connection, scope: PortfolioScope | None, *, upto: int
) -> Iterator[tuple[str, list[StoredEvent]]]:
    """Each case of the scope (every case when None) opened by position `upto`, in id order, with its events at
    positions up to `upto` in version order: one query in (case, version) index order, one case in memory."""
    wanted = scope.case_filter(conn) if scope is not None else true()
    query = (select(*(events.c[name] for name in PAGE_COLUMNS))
             .where(events.c.position <= upto, wanted).order_by(events.c.case_id, events.c.version))
    case_id, stored = "", []
    for rows in _streamed(conn, query, page=PAGE, name="portfolio_cases"):
        for row in rows:
            if row[CASE] != case_id:
                if stored:
                    yield case_id, stored
                case_id, stored = row[CASE], []
            stored.append(per_event(row))
    if stored:
        yield case_id, stored


def _streamed(conn: Connection, query: Select[Any], *, page: int, name: str) -> Iterator[list[tuple[Any, ...]]]:
    """The rows of `query`, streamed from the driver's cursor (a server-side one on PostgreSQL) as tuples.

    Not Connection.execute: SQLAlchemy's result rows cost a third of reading the log (bench/export.py), as its
    statements did on the append path (audit.append_sql).
    """
    compiled = query.compile(dialect=conn.dialect, compile_kwargs={"render_postcompile": True})
    parameters = ([compiled.params[key] for key in compiled.positiontup or ()] if compiled.positional
                  else compiled.params)
    driver: Any = conn.connection.dbapi_connection
    cursor = driver.cursor(name=name) if conn.dialect.name == "postgresql" else driver.cursor()
    try:
        cursor.execute(str(compiled), parameters)
        while rows := cursor.fetchmany(page):
            yield rows
    except conn.dialect.loaded_dbapi.Error as exc:
        raise translated(conn, exc, str(compiled), parameters) from exc
    finally:
        cursor.close()


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


class CaseZones:
    """The time zone of each case of a stream of pages (scoped_event_rows), for legal dates in events.csv.

    A scope exports its cases whole, so a case's case_opened (version 1, CONTRACT §1-§2) streams past before its
    other events: its zone is read off that row, and the log is asked (case_zones) only for a case whose zone was
    forgotten. Reading every page's new cases back from the log was a tenth of an events.csv export's time.
    """

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.known: dict[str, str] = {}
        self.names: dict[str, str] = {}  # one string per zone name, shared by its cases

    def page(self, rows: Sequence[Sequence[Any]]) -> dict[str, str]:
        """The zones of (at least) every case of `rows`."""
        known = self.known
        if len(known) > ZONES_KEPT:  # the oldest half goes first: memory stays bounded
            for case_id in list(islice(known, len(known) - ZONES_KEPT // 2)):
                del known[case_id]
        for row in [row for row in rows if row[VERSION] == 1 and row[TYPE] == "case_opened"]:
            name = str(json.loads(row[DATA]).get("timezone") or DEFAULT_ZONE)
            known[row[CASE]] = self.names.setdefault(name, name)
        missing = set(map(itemgetter(CASE), rows)).difference(known)
        if missing:
            known.update(case_zones(self.conn, missing))
        return known

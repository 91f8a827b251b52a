"""The deadline board: every open deadline the caller may see, sorted into overdue, due today and due soon.

Until a portfolio-clocks read over the clock_rows projection lands, the board runs the rule engine over
each case the caller may see (the API's own scope check), remembering each case's clocks by (case,
version, day, calendar, readings): a case's clocks change only with its events or the day, so a refreshed board
recomputes only the cases that moved.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import Engine

from api.auth import Principal, as_of_for, may_see
from api.case_clocks import DEFAULT_READINGS, stored_timeline
from api.case_views import CaseSummary, summarize, team_of
from audit.reads import StoredEvent, case_events, case_ids, case_zone
from compliance.evaluation import Readings
from timelines.calendar import calendar_for

BUCKETS = ("overdue", "today", "soon")
MAX_CASES = 20_000  # cases examined per board at most (the same order of bound as the API's case list)


@dataclass(frozen=True)
class BoardFilters:
    """What the board is narrowed to; None or "" means any."""

    team: str | None = None
    manager: str | None = None
    rule: str | None = None
    state: str | None = None
    horizon: int = 5  # "due soon": within this many business days of the case's today

    def keeps(self, row: BoardRow) -> bool:
        """True when the row passes every filter given."""
        return all(not wanted or wanted == actual for wanted, actual in (
            (self.team, row.team), (self.manager, row.manager), (self.rule, row.rule), (self.state, row.state)))


@dataclass(frozen=True)
class BoardRow:
    """One open deadline of one case."""

    bucket: str
    case_id: str
    clock_id: str
    rule: str
    citation: str
    trigger_type: str
    trigger_on: str
    due: date
    as_of: date
    days: int  # calendar days overdue (overdue), business days left (soon), 0 (today)
    team: str | None
    manager: str | None
    state: str


@dataclass
class Board:
    """The rows by bucket, with the filter choices the visible cases offer."""

    rows: dict[str, list[BoardRow]] = field(default_factory=lambda: {b: [] for b in BUCKETS})
    teams: set[str] = field(default_factory=set)
    managers: set[str] = field(default_factory=set)
    rules: set[str] = field(default_factory=set)
    states: set[str] = field(default_factory=set)

    def counts(self) -> dict[str, int]:
        """How many rows each bucket holds."""
        return {bucket: len(rows) for bucket, rows in self.rows.items()}


Folded = tuple[CaseSummary, dict[str, Any]]


class CaseMemo:
    """A bounded, thread-safe memory of (summary, clocks) per (case, version, as_of, calendar, readings)."""

    def __init__(self, size: int = 8192) -> None:
        self.size = size
        self._items: OrderedDict[tuple[str, int, date, str, Readings], Folded] = OrderedDict()
        self._lock = threading.Lock()

    def fold(
        self, stored: Sequence[StoredEvent], *, as_of: date, calendar: str, readings: Readings = DEFAULT_READINGS
    ) -> Folded:
        """The case's summary and clocks as of `as_of`, computed once per version of the case."""
        key = (stored[0].case_id, stored[-1].version, as_of, calendar, readings)
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
        folded = (summarize(stored), stored_timeline(stored, as_of=as_of, calendar=calendar, readings=readings))
        with self._lock:
            self._items[key] = folded
            while len(self._items) > self.size:
                self._items.popitem(last=False)
        return folded


def visible_cases(engine: Engine, principal: Principal) -> Iterator[list[StoredEvent]]:
    """The events of each case the caller may see (the API's scope rule), in the order cases were opened."""
    for case_id in case_ids(engine)[:MAX_CASES]:
        stored = case_events(engine, case_id)
        if stored and may_see(principal, case_id, team=team_of(stored)):
            yield stored


def bucket_of(clock: dict[str, Any], *, as_of: date, soon_until: date) -> str | None:
    """Where an open deadline sits on the board, or None (met, settled, not a deadline, or further out)."""
    if clock["kind"] != "deadline" or clock["status"] not in ("open", "breached") or clock.get("met_on"):
        return None
    due = date.fromisoformat(clock["due"])
    if clock["status"] == "breached" or due < as_of:
        return "overdue"
    if due == as_of:
        return "today"
    return "soon" if due <= soon_until else None


def case_rows(summary: CaseSummary, timeline: dict[str, Any], *, horizon: int) -> Iterator[BoardRow]:
    """The board rows of one case's timeline (`as_of` is the case's today)."""
    calendar = calendar_for(str(timeline["calendar"]))
    as_of = date.fromisoformat(str(timeline["as_of"]))
    soon_until = calendar.add_business_days(as_of, horizon)
    for clock in timeline["clocks"]:
        bucket = bucket_of(clock, as_of=as_of, soon_until=soon_until)
        if bucket is None:
            continue
        due = date.fromisoformat(clock["due"])
        days = (as_of - due).days if bucket == "overdue" else calendar.business_days_between(as_of, due)
        yield BoardRow(
            bucket=bucket, case_id=summary.case_id, clock_id=clock["id"], rule=clock["rule"],
            citation=clock["citation"], trigger_type=clock["trigger"]["type"], trigger_on=clock["trigger"]["on"],
            due=due, as_of=as_of, days=days, team=summary.team, manager=summary.manager_id,
            state=summary.property_state,
        )


def build_board(
    engine: Engine, principal: Principal, filters: BoardFilters, *, calendar: str, now: datetime, memo: CaseMemo,
    readings: Readings = DEFAULT_READINGS,
) -> Board:
    """The board for this caller: each open case judged as of its own today (inside an examiner's period)."""
    board = Board()
    for stored in visible_cases(engine, principal):
        as_of = as_of_for(principal, None, today=now.astimezone(case_zone(stored)).date())
        summary, timeline = memo.fold(stored, as_of=as_of, calendar=calendar, readings=readings)
        if summary.status == "open":
            _offer(board, case_rows(summary, timeline, horizon=filters.horizon))
    for rows in board.rows.values():
        rows[:] = sorted((r for r in rows if filters.keeps(r)), key=lambda r: (r.due, r.case_id, r.rule))
    return board


def _offer(board: Board, rows: Iterable[BoardRow]) -> None:
    for row in rows:
        board.rows[row.bucket].append(row)
        board.rules.add(row.rule)
        board.states.add(row.state)
        if row.team:
            board.teams.add(row.team)
        if row.manager:
            board.managers.add(row.manager)

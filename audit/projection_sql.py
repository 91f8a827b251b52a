"""The projection hook's statements as SQL text per dialect, run on the driver's cursor (as audit.append_sql does).

Why not Connection.execute: SQLAlchemy's per-statement work (compiling, cache keys, bind processors) was
more of an append's projection than the rule engine itself (bench/api.py). A list of case ids travels as
one parameter (a JSON array on SQLite, an array on PostgreSQL): one statement text, prepared once,
whatever the size of a group commit.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from operator import itemgetter
from typing import Any

from audit.database import DriverConnection
from audit.projection_schema import case_summary, clock_rows
from audit.schema import events

EVENT_COLUMNS = tuple(events.c.keys())
SUMMARY_COLUMNS = tuple(case_summary.c.keys())
CLOCK_COLUMNS = tuple(clock_rows.c.keys())


@dataclass(frozen=True)
class ProjectionSQL:
    """The projection statements in one dialect's parameter style; `?` below becomes `%s` on PostgreSQL."""

    fresh: str  # events after each case's summary (cases with a summary and no projection error)
    case_events: str  # every event of the cases, by case and version
    case_clocks: str  # the stored clock rows of the cases
    upsert_summary: str
    insert_clock: str
    update_clock: str
    delete_clock: str
    record_breach: str
    move_summary: str


def _columns(names: Sequence[str], prefix: str = "") -> str:
    return ", ".join(f"{prefix}{name}" for name in names)


def _marks(count: int) -> str:
    return ", ".join("?" for _ in range(count))


def _statements(in_cases: str) -> ProjectionSQL:
    """Every statement, given the dialect's `case_id IN <list parameter>` test (built from fixed names only)."""
    changed = [name for name in SUMMARY_COLUMNS if name != "case_id"]
    clock_values = [name for name in CLOCK_COLUMNS if name != "clock_id"]
    return ProjectionSQL(
        # The id list filters the summaries, which then drive the join into the events' (case_id, version)
        # index: filtering the events by the list instead once made PostgreSQL compare every id with every
        # summary row.
        fresh=(
            f"SELECT {_columns(EVENT_COLUMNS, 'e.')} FROM case_summary s "  # noqa: S608
            "JOIN events e ON e.case_id = s.case_id "
            f"WHERE s.{in_cases} AND e.position > s.last_position AND s.projection_error IS NULL "
            "ORDER BY e.case_id, e.version"
        ),
        case_events=f"SELECT {_columns(EVENT_COLUMNS)} FROM events WHERE {in_cases} ORDER BY case_id, version",  # noqa: S608
        case_clocks=f"SELECT {_columns(CLOCK_COLUMNS)} FROM clock_rows WHERE {in_cases}",  # noqa: S608
        upsert_summary=(
            f"INSERT INTO case_summary ({_columns(SUMMARY_COLUMNS)}) VALUES ({_marks(len(SUMMARY_COLUMNS))}) "  # noqa: S608
            f"ON CONFLICT (case_id) DO UPDATE SET {', '.join(f'{n} = excluded.{n}' for n in changed)}"
        ),
        insert_clock=f"INSERT INTO clock_rows ({_columns(CLOCK_COLUMNS)}) VALUES ({_marks(len(CLOCK_COLUMNS))})",  # noqa: S608
        update_clock=f"UPDATE clock_rows SET {', '.join(f'{n} = ?' for n in clock_values)} WHERE clock_id = ?",  # noqa: S608
        delete_clock="DELETE FROM clock_rows WHERE clock_id = ?",
        record_breach=(
            "UPDATE clock_rows SET breach_recorded = ?, breach_at = NULL, "
            "status = CASE WHEN status = 'open' THEN 'breached' ELSE status END "
            "WHERE case_id = ? AND clock_id = ? AND due = ?"
        ),
        move_summary="UPDATE case_summary SET version = ?, last_position = ?, updated_at = ? WHERE case_id = ?",
    )


def _psycopg(sql: ProjectionSQL) -> ProjectionSQL:
    """psycopg's placeholder (none of the statements holds a literal "?" or "%")."""
    return ProjectionSQL(**{name: value.replace("?", "%s") for name, value in vars(sql).items()})


STATEMENTS = {
    "sqlite": _statements("case_id IN (SELECT value FROM json_each(?))"),
    "postgresql": _psycopg(_statements("case_id = ANY(?)")),
}


def _dates(table: Any) -> frozenset[str]:
    return frozenset(name for name, column in table.c.items() if column.type.python_type is date)


@dataclass(frozen=True)
class Dialect:
    """What differs between the databases: the statements, the list parameter and the stored form of rows."""

    sql: ProjectionSQL
    postgres: bool

    def case_list(self, case_ids: Sequence[str]) -> Any:
        """The parameter of an `in_cases` test: a JSON array (SQLite) or a text array (PostgreSQL)."""
        return list(case_ids) if self.postgres else json.dumps(list(case_ids))

    def date(self, value: date) -> Any:
        """A date as the driver writes it: "YYYY-MM-DD" text on SQLite (SQLAlchemy's Date storage format)."""
        return value if self.postgres else value.isoformat()

    def summary_row(self, values: Mapping[str, Any]) -> tuple[Any, ...]:
        """A case_summary row in SUMMARY_COLUMNS order, as the driver writes it and reads it back."""
        return self._row(_SUMMARY_ORDER(values), _SUMMARY_DATES_AT)

    def clock_row(self, values: Mapping[str, Any]) -> tuple[Any, ...]:
        """A clock_rows row in CLOCK_COLUMNS order, as the driver writes it and reads it back."""
        return self._row(_CLOCK_ORDER(values), _CLOCK_DATES_AT)

    def _row(self, row: tuple[Any, ...], dates_at: tuple[int, ...]) -> tuple[Any, ...]:
        if self.postgres:
            return row
        # SQLite keeps dates as "YYYY-MM-DD" text: SQLAlchemy's Date storage format, which readers parse.
        # (By index, not by name: a group commit converts some ten clock rows per case, bench/api.py.)
        converted = list(row)
        for index in dates_at:
            value = converted[index]
            if value is not None:
                converted[index] = value.isoformat()
        return tuple(converted)


_SUMMARY_DATES, _CLOCK_DATES = _dates(case_summary), _dates(clock_rows)
_SUMMARY_ORDER, _CLOCK_ORDER = itemgetter(*SUMMARY_COLUMNS), itemgetter(*CLOCK_COLUMNS)
_SUMMARY_DATES_AT = tuple(i for i, name in enumerate(SUMMARY_COLUMNS) if name in _SUMMARY_DATES)
_CLOCK_DATES_AT = tuple(i for i, name in enumerate(CLOCK_COLUMNS) if name in _CLOCK_DATES)
_DIALECTS = {name: Dialect(sql, postgres=name == "postgresql") for name, sql in STATEMENTS.items()}


def dialect_of(conn: DriverConnection) -> Dialect:
    """The projection statements for the connection's database (SQLite or PostgreSQL only)."""
    found = _DIALECTS.get(conn.dialect.name)
    if found is None:
        raise RuntimeError(f"the projections run on SQLite or PostgreSQL, not {conn.dialect.name}")
    return found

"""Read side of the log: a case in version order, the log after a position, a case as known at a time."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, Engine, Row, func, select

from audit.database import connect
from audit.driver_reads import fetch, per_dialect
from audit.schema import events, log_head
from compliance.envelope import CaseEvent, parse_occurred_at, to_case_event

DEFAULT_PAGE = 1000
DEFAULT_ZONE = "America/New_York"  # CONTRACT §1: the servicer's zone when a case names none
_EVENT_COLUMNS = tuple(events.c.keys())
_CASE_EVENTS = per_dialect(
    f"SELECT {', '.join(_EVENT_COLUMNS)} FROM events WHERE case_id = ? ORDER BY version"  # noqa: S608 - fixed names
)


def recorded_at_text(instant: datetime) -> str:
    """The stored form of a recorded_at: UTC, fixed width "YYYY-MM-DDTHH:MM:SS.ffffffZ" (text order = time)."""
    if instant.utcoffset() is None:
        raise ValueError("recorded_at must be timezone-aware")
    return instant.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@dataclass(frozen=True)
class StoredEvent:
    """One stored event with every envelope field exactly as hashed (times as their stored text)."""

    position: int
    id: str
    case_id: str
    version: int
    type: str
    schema_version: int
    occurred_at: str
    recorded_at: str
    actor_id: str
    actor_role: str
    data: dict[str, Any]
    idempotency_key: str | None
    salt: str
    prev_hash: str
    hash: str

    @property
    def occurred(self) -> date | datetime:
        """occurred_at parsed: a plain date or an offset-aware timestamp."""
        return parse_occurred_at(self.occurred_at)

    @property
    def recorded(self) -> datetime:
        """recorded_at parsed (UTC)."""
        return datetime.fromisoformat(self.recorded_at)

    def envelope(self) -> dict[str, Any]:
        """The mapping given to audit.canonical.event_hash (salt included, hashes excluded)."""
        return {
            "position": self.position, "id": self.id, "case_id": self.case_id, "version": self.version,
            "type": self.type, "schema_version": self.schema_version, "occurred_at": self.occurred_at,
            "recorded_at": self.recorded_at, "actor_id": self.actor_id, "actor_role": self.actor_role,
            "data": self.data, "idempotency_key": self.idempotency_key, "salt": self.salt,
        }

    def to_json(self) -> dict[str, Any]:
        """The CONTRACT §1 envelope as plain JSON values (actor as {"id", "role"})."""
        return {
            "id": self.id, "case_id": self.case_id, "version": self.version, "position": self.position,
            "type": self.type, "schema_version": self.schema_version, "occurred_at": self.occurred_at,
            "recorded_at": self.recorded_at, "actor": {"id": self.actor_id, "role": self.actor_role},
            "data": self.data, "idempotency_key": self.idempotency_key,
            "prev_hash": self.prev_hash, "hash": self.hash,
        }


@dataclass(frozen=True)
class LogHead:
    """The last position of the log, its hash and its recorded_at ("" and position 0 when empty)."""

    position: int
    hash: str
    recorded_at: str


def stored_event(row: Row[Any] | Mapping[str, Any]) -> StoredEvent:
    """Turn an events row (or a mapping of its columns) into a StoredEvent."""
    values = dict(row._mapping) if isinstance(row, Row) else dict(row)
    data = values["data"]
    values["data"] = json.loads(data) if isinstance(data, str) else dict(data)
    return StoredEvent(**values)


def _fetch(target: Engine | Connection, query: Any) -> list[StoredEvent]:
    with connect(target) as conn:
        return [stored_event(row) for row in conn.execute(query)]


def case_events(target: Engine | Connection, case_id: str) -> list[StoredEvent]:
    """Every event of a case in version order (every API trail read: on the driver, audit.driver_reads)."""
    rows = fetch(target, _CASE_EVENTS, (case_id,))
    return [stored_event(dict(zip(_EVENT_COLUMNS, row, strict=True))) for row in rows]


def events_after(target: Engine | Connection, position: int, *, limit: int = DEFAULT_PAGE) -> list[StoredEvent]:
    """One page of the whole log: events with a position greater than `position`, in position order."""
    query = select(events).where(events.c.position > position).order_by(events.c.position).limit(limit)
    return _fetch(target, query)


def events_between(target: Engine | Connection, first: int, last: int) -> list[StoredEvent]:
    """The events at positions first..last inclusive, in position order."""
    query = select(events).where(events.c.position.between(first, last)).order_by(events.c.position)
    return _fetch(target, query)


def case_as_known_at(target: Engine | Connection, case_id: str, recorded_at: datetime) -> list[StoredEvent]:
    """Bitemporal read: the case as the log knew it at `recorded_at` (events recorded at or before it)."""
    query = (
        select(events)
        .where(events.c.case_id == case_id, events.c.recorded_at <= recorded_at_text(recorded_at))
        .order_by(events.c.version)
    )
    return _fetch(target, query)


def positions_recorded_in(target: Engine | Connection, first: str, after: str) -> tuple[int, int]:
    """(lo, hi): the positions of the events whose stored recorded_at text is in [first, after); empty if lo > hi.

    recorded_at never runs backwards along positions (the append path keeps it so under the head lock, and
    `compliance verify` reports any event that breaks the order), so the range is found by two binary searches
    over the primary key: ~2 log2(N) point reads instead of an index on recorded_at that every append would pay.
    """
    with connect(target) as conn:
        last = int(conn.execute(select(func.coalesce(func.max(events.c.position), 0))).scalar_one())
        return _first_recorded_at_or_after(conn, first, last), _first_recorded_at_or_after(conn, after, last) - 1


def _first_recorded_at_or_after(conn: Connection, text: str, last: int) -> int:
    lo, hi = 1, last + 1
    while lo < hi:
        middle = (lo + hi) // 2
        # The first event at or after `middle`: a tampered log with a gap still gives an answer (verify flags it).
        at = conn.execute(
            select(events.c.recorded_at).where(events.c.position >= middle).order_by(events.c.position).limit(1)
        ).scalar()
        if at is not None and at < text:
            lo = middle + 1
        else:
            hi = middle
    return lo


def case_ids(target: Engine | Connection) -> list[str]:
    """Every case id in the order the cases were opened."""
    query = select(events.c.case_id).where(events.c.type == "case_opened").order_by(events.c.position)
    with connect(target) as conn:
        return list(conn.scalars(query))


def case_version(target: Engine | Connection, case_id: str) -> int:
    """The case's current version (0 when it does not exist)."""
    query = select(func.coalesce(func.max(events.c.version), 0)).where(events.c.case_id == case_id)
    with connect(target) as conn:
        return int(conn.execute(query).scalar_one())


def read_head(target: Engine | Connection) -> LogHead:
    """The log head row: last position, its hash and its recorded_at."""
    with connect(target) as conn:
        row = conn.execute(select(log_head.c.position, log_head.c.hash, log_head.c.recorded_at)).one()
    return LogHead(int(row.position), row.hash, row.recorded_at)


def case_zone(opened: Iterable[StoredEvent], *, default: str = DEFAULT_ZONE) -> ZoneInfo:
    """The case's time zone, from its case_opened event among `opened` (else `default`)."""
    for stored in opened:
        if stored.type == "case_opened":
            return ZoneInfo(str(stored.data.get("timezone") or default))
    return ZoneInfo(default)


def to_case_events(stored: Sequence[StoredEvent], *, zone: ZoneInfo | None = None) -> list[CaseEvent]:
    """The rule engine's view of stored events (legal dates in the case's zone, payloads upcast)."""
    zone = zone or case_zone(stored)
    return [
        to_case_event(
            event_id=e.id, version=e.version, kind=e.type, occurred_at=e.occurred, data=e.data,
            zone=zone, schema_version=e.schema_version,
        )
        for e in stored
    ]

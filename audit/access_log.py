"""The access log: who read which case trail or export, append-only and hash-chained like the event log."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, Row, insert, select, update

from audit.access_schema import access_log, access_log_head
from audit.canonical import canonical_json, event_hash
from audit.database import connect, write_transaction
from audit.reads import recorded_at_text
from audit.schema import GENESIS_HASH

DEFAULT_PAGE = 100
VERIFY_PAGE = 2_000


@dataclass(frozen=True)
class AccessEntry:
    """One recorded access: position in the access log, who, what, which case, when, and its chain hashes."""

    position: int
    id: str
    recorded_at: str
    actor_id: str
    actor_role: str
    action: str
    case_id: str | None
    data: dict[str, Any]
    prev_hash: str
    hash: str

    def envelope(self) -> dict[str, Any]:
        """The mapping given to audit.canonical.event_hash: the event envelope's fields, filled from this entry.

        Reusing the event log's hash keeps one canonical form and one verifier for both chains; an access
        has no case version or idempotency key, so those are fixed (0 and null), and no field is sensitive.
        """
        return {
            "position": self.position, "id": self.id, "case_id": self.case_id or "", "version": 0,
            "type": self.action, "schema_version": 1, "occurred_at": self.recorded_at,
            "recorded_at": self.recorded_at, "actor_id": self.actor_id, "actor_role": self.actor_role,
            "data": self.data, "idempotency_key": None,
        }

    def to_json(self) -> dict[str, Any]:
        """Plain JSON values."""
        return {
            "position": self.position, "id": self.id, "recorded_at": self.recorded_at,
            "actor": {"id": self.actor_id, "role": self.actor_role}, "action": self.action,
            "case_id": self.case_id, "data": self.data, "prev_hash": self.prev_hash, "hash": self.hash,
        }


@dataclass(frozen=True)
class AccessQuery:
    """Filters of an access-log query (all optional), paged by position."""

    after: int = 0
    limit: int = DEFAULT_PAGE
    actor_id: str | None = None
    case_id: str | None = None
    action: str | None = None
    recorded_from: datetime | None = None
    recorded_to: datetime | None = None


@dataclass
class AccessLogReport:
    """The verdict of recomputing the access log's chain: ok only without findings."""

    ok: bool
    entries_checked: int
    findings: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        """Plain JSON values."""
        return {"ok": self.ok, "entries_checked": self.entries_checked, "findings": list(self.findings)}


_LOCK_HEAD = select(access_log_head.c.position, access_log_head.c.hash).where(
    access_log_head.c.id == 1
).with_for_update()


def record_access(
    target: Engine | Connection,
    *,
    actor_id: str,
    actor_role: str,
    action: str,
    case_id: str | None,
    details: Mapping[str, Any],
    now: datetime,
) -> AccessEntry:
    """Append one access to the log, durably, before the data it grants is returned to the reader."""
    with write_transaction(target) as conn:
        # The head row lock (BEGIN IMMEDIATE on SQLite) serialises appends: positions follow commit order.
        head = conn.execute(_LOCK_HEAD).one()
        entry = _chained(int(head.position) + 1, head.hash, actor_id=actor_id, actor_role=actor_role,
                         action=action, case_id=case_id, details=details, now=now)
        values = {name: getattr(entry, name) for name in access_log.c.keys()}
        conn.execute(insert(access_log).values(**{**values, "data": canonical_json(entry.data)}))
        conn.execute(
            update(access_log_head).where(access_log_head.c.id == 1).values(position=entry.position, hash=entry.hash)
        )
    return entry


def _chained(
    position: int, prev_hash: str, *, actor_id: str, actor_role: str, action: str, case_id: str | None,
    details: Mapping[str, Any], now: datetime,
) -> AccessEntry:
    unhashed = AccessEntry(
        position=position, id=str(uuid.uuid4()), recorded_at=recorded_at_text(now), actor_id=actor_id,
        actor_role=actor_role, action=action, case_id=case_id, data=json.loads(canonical_json(dict(details))),
        prev_hash=prev_hash, hash="",
    )
    return AccessEntry(**{**unhashed.__dict__, "hash": event_hash(prev_hash, unhashed.envelope())})


def _entry(row: Row[Any]) -> AccessEntry:
    values = dict(row._mapping)
    values["data"] = json.loads(values["data"])
    return AccessEntry(**values)


def access_entries(target: Engine | Connection, query: AccessQuery) -> list[AccessEntry]:
    """One page of the access log after `query.after`, oldest first, filtered."""
    stmt = select(access_log).where(access_log.c.position > query.after)
    if query.actor_id is not None:
        stmt = stmt.where(access_log.c.actor_id == query.actor_id)
    if query.case_id is not None:
        stmt = stmt.where(access_log.c.case_id == query.case_id)
    if query.action is not None:
        stmt = stmt.where(access_log.c.action == query.action)
    if query.recorded_from is not None:
        stmt = stmt.where(access_log.c.recorded_at >= recorded_at_text(query.recorded_from))
    if query.recorded_to is not None:
        stmt = stmt.where(access_log.c.recorded_at <= recorded_at_text(query.recorded_to))
    with connect(target) as conn:
        rows = conn.execute(stmt.order_by(access_log.c.position).limit(query.limit)).all()
    return [_entry(row) for row in rows]


def _all_rows(conn: Connection) -> Iterator[Row[Any]]:
    after = 0
    while True:
        rows = conn.execute(
            select(access_log).where(access_log.c.position > after).order_by(access_log.c.position).limit(VERIFY_PAGE)
        ).all()
        yield from rows
        if len(rows) < VERIFY_PAGE:
            return
        after = int(rows[-1].position)


def verify_access_log(target: Engine | Connection) -> AccessLogReport:
    """Recompute every entry's hash and the chain; report edits, deletions, insertions and a cut tail."""
    findings: list[str] = []
    expected_position, prev = 1, GENESIS_HASH
    with connect(target) as conn:
        for row in _all_rows(conn):
            entry = _entry(row)
            if entry.position != expected_position:
                findings.append(f"position {expected_position}: missing (next entry is {entry.position})")
            if entry.prev_hash != prev:
                findings.append(f"position {entry.position}: prev_hash does not name the entry before")
            if event_hash(entry.prev_hash, entry.envelope()) != entry.hash:
                findings.append(f"position {entry.position}: content does not hash to its stored hash (edited)")
            expected_position, prev = entry.position + 1, entry.hash
        head = conn.execute(select(access_log_head.c.position, access_log_head.c.hash)).one()
    if int(head.position) != expected_position - 1 or head.hash != prev:
        findings.append(f"head names position {head.position} but the log ends at {expected_position - 1}")
    return AccessLogReport(not findings, expected_position - 1, findings)

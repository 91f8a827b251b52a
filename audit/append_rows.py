"""Turning validated events into chained rows and writing them (inserts only: the log is never edited)."""

from __future__ import annotations

import hashlib
import json
import secrets
import uuid
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, bindparam, insert, select, update

from audit.append_types import AppendRequest
from audit.canonical import canonical_json, event_hash
from audit.reads import LogHead, StoredEvent, recorded_at_text
from audit.schema import events, idempotency_keys, log_head
from compliance.envelope import EventRejected, FieldError, ProposedEvent

HEAD_ID = 1
# How PostgreSQL and SQLite name a UNIQUE(case_id, version) violation.
VERSION_RACE = ("uq_events_case_version", "events.case_id, events.version")


def request_hash(request: AppendRequest) -> str:
    """SHA-256 of the canonical JSON of the request body (events as sent, and the expected version)."""
    body = {"events": [dict(e) for e in request.events], "expected_version": request.expected_version}
    try:
        text = canonical_json(json.loads(json.dumps(body, default=_json_value)))
    except (TypeError, ValueError) as exc:  # NaN, infinities or unsafe integers in free-form payloads
        raise EventRejected([FieldError("events", f"not representable as canonical JSON: {exc}")]) from None
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _json_value(value: object) -> str:
    if isinstance(value, date | datetime):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON")


def occurred_at_text(occurred: date | datetime) -> str:
    """The stored form of occurred_at: ISO date, or ISO timestamp keeping the client's offset."""
    return occurred.isoformat()


def chain(
    request: AppendRequest, proposed: Sequence[ProposedEvent], *, head: LogHead, version: int
) -> tuple[list[StoredEvent], LogHead]:
    """The new events, numbered after `head` and `version`, each hashed onto the one before."""
    # recorded_at is the service's time and never runs backwards along positions, even if the clock does.
    recorded = max(recorded_at_text(request.now), head.recorded_at)
    prev, stored = head.hash, []
    for offset, event in enumerate(proposed, start=1):
        envelope: dict[str, Any] = {
            "position": head.position + offset, "id": event.id or str(uuid.uuid4()),
            "case_id": request.case_id, "version": version + offset, "type": event.type,
            "schema_version": event.schema_version, "occurred_at": occurred_at_text(event.occurred_at),
            "recorded_at": recorded, "actor_id": request.actor.id, "actor_role": request.actor.role,
            "data": event.data_json(), "idempotency_key": request.idempotency_key,
            "salt": secrets.token_hex(16),
        }
        try:
            digest = event_hash(prev, envelope)
        except ValueError as exc:  # NaN, infinities or unsafe integers in a free-form payload
            raise EventRejected([FieldError(f"events[{offset - 1}].data", str(exc))]) from None
        stored.append(StoredEvent(**envelope, prev_hash=prev, hash=digest))
        prev = digest
    return stored, LogHead(head.position + len(stored), prev, recorded)


def insert_events(
    conn: Connection, stored: Sequence[StoredEvent], *, idempotency: Sequence[Mapping[str, Any]] = ()
) -> None:
    """Insert the rows (one executemany) and the idempotency records of keyed requests (another)."""
    rows = [{**e.envelope(), "data": canonical_json(e.data), "prev_hash": e.prev_hash, "hash": e.hash}
            for e in stored]
    conn.execute(_INSERT_EVENTS, rows)
    if idempotency:
        conn.execute(_INSERT_KEY, list(idempotency))


# Built once: a statement object is compiled and cache-keyed once, not on every append.
_LOCK_HEAD = select(log_head.c.position, log_head.c.hash, log_head.c.recorded_at).where(
    log_head.c.id == HEAD_ID
).with_for_update()
_WRITE_HEAD = update(log_head).where(log_head.c.id == HEAD_ID).values(
    position=bindparam("new_position"), hash=bindparam("new_hash"), recorded_at=bindparam("new_recorded_at")
)
_INSERT_EVENTS = insert(events)
_INSERT_KEY = insert(idempotency_keys)


def lock_head(conn: Connection) -> LogHead:
    """Read the log head, holding its row lock (PostgreSQL) until the transaction ends.

    Every append takes this lock before reading anything else, so appends are serialised: positions are
    assigned in commit order and a reader following positions never sees N+1 before N (the outbox bug).
    On SQLite the same is achieved by BEGIN IMMEDIATE (see audit.database.write_transaction).
    """
    row = conn.execute(_LOCK_HEAD).one()
    return LogHead(int(row.position), row.hash, row.recorded_at)


def write_head(conn: Connection, head: LogHead) -> None:
    """Move the log head to the last appended event."""
    conn.execute(
        _WRITE_HEAD,
        {"new_position": head.position, "new_hash": head.hash, "new_recorded_at": head.recorded_at},
    )

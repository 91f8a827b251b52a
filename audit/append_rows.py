"""Turning validated events into chained rows and writing them (inserts only: the log is never edited)."""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime
from typing import Any

from audit.append_sql import EVENT_COLUMNS, KEY_COLUMNS, fetch_rows, head_of, statements, write_each
from audit.append_types import AppendRequest
from audit.canonical import canonical_json, hashed_event
from audit.database import DriverConnection
from audit.reads import LogHead, StoredEvent, recorded_at_text, stored_event
from compliance.envelope import EventRejected, FieldError, ProposedEvent

HEAD_ID = 1  # the single row of log_head (audit.append_sql writes it as a literal)
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


def _recorded_at(now: datetime) -> str:
    """audit.reads.recorded_at_text, byte for byte, through isoformat (strftime is a slow part of an append)."""
    utc = now.astimezone(UTC) if now.utcoffset() is not None else None
    if utc is None or utc.year < 1000:  # naive (refused there), or a year strftime would not pad
        return recorded_at_text(now)
    return utc.isoformat(timespec="microseconds")[:-6] + "Z"  # "...+00:00" -> "...Z"


def new_id_and_salt() -> tuple[str, str]:
    """A time-ordered (version 7) UUID as text, in str(uuid.UUID) form, and a 16-byte hex salt.

    RFC 9562 §5.7: 48 bits of Unix time in milliseconds, then 74 random bits. Ids that follow the log's order
    enter the events.id index at its right edge: a group commit's events share one index page instead of
    each dirtying a random one, and a large log's index stays in cache. The time they carry is no secret: it is
    the event's recorded_at. One os.urandom draw serves both values (no UUID object: one of each per event).
    """
    millis = time.time_ns() // 1_000_000 % (1 << 48)
    noise = bytearray(millis.to_bytes(6, "big") + os.urandom(26))
    noise[6] = noise[6] & 0x0F | 0x70  # RFC 9562 §4.2: version 7
    noise[8] = noise[8] & 0x3F | 0x80  # RFC 9562 §4.1: the variant
    text = noise.hex()
    return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:32]}", text[32:]


def chain(
    request: AppendRequest, proposed: Sequence[ProposedEvent], *, head: LogHead, version: int
) -> tuple[list[StoredEvent], list[tuple[Any, ...]], LogHead]:
    """The new events, numbered after `head` and `version`, each hashed onto the one before, and their rows.

    The rows are the events rows in EVENT_COLUMNS order, data as canonical JSON text (built once, while hashing).
    """
    # recorded_at is the service's time and never runs backwards along positions, even if the clock does.
    recorded = max(_recorded_at(request.now), head.recorded_at)
    prev, stored, rows = head.hash, [], []
    case_id, actor, key = request.case_id, request.actor, request.idempotency_key
    for offset, event in enumerate(proposed, start=1):
        event_id, salt = new_id_and_salt()
        position, event_id, number = head.position + offset, event.id or event_id, version + offset
        occurred, data = occurred_at_text(event.occurred_at), event.data_json()
        envelope: dict[str, Any] = {
            "position": position, "id": event_id, "case_id": case_id, "version": number, "type": event.type,
            "schema_version": event.schema_version, "occurred_at": occurred, "recorded_at": recorded,
            "actor_id": actor.id, "actor_role": actor.role, "data": data, "idempotency_key": key, "salt": salt,
        }
        try:
            digest, data_text = hashed_event(prev, envelope)
        except ValueError as exc:  # NaN, infinities or unsafe integers in a free-form payload
            raise EventRejected([FieldError(f"events[{offset - 1}].data", str(exc))]) from None
        # StoredEvent's fields are EVENT_COLUMNS in order: both built by position (keywords cost a dict per event).
        stored.append(StoredEvent(position, event_id, case_id, number, event.type, event.schema_version, occurred,
                                  recorded, actor.id, actor.role, data, key, salt, prev, digest))
        rows.append((position, event_id, case_id, number, event.type, event.schema_version, occurred, recorded,
                     actor.id, actor.role, data_text, key, salt, prev, digest))  # EVENT_COLUMNS
        prev = digest
    return stored, rows, LogHead(head.position + len(stored), prev, recorded)


def write_appended(
    conn: DriverConnection,
    rows: Sequence[Sequence[Any]],
    *,
    idempotency: Sequence[Mapping[str, Any]] = (),
    head: LogHead,
    commit: bool = False,
) -> None:
    """Insert the events rows (from chain(); one executemany), the idempotency records, move the log head.

    With `commit`, the transaction is committed too; on PostgreSQL it all travels in one round trip.
    """
    sql = statements(conn)
    steps: list[tuple[str, Sequence[Sequence[Any]]]] = [(sql.insert_events, rows)]
    if idempotency:
        steps.append((sql.insert_key, [tuple(key[name] for name in KEY_COLUMNS) for key in idempotency]))
    steps.append((sql.write_head, [(head.position, head.hash, head.recorded_at)]))
    write_each(conn, steps, commit=commit)


def stored_between(conn: DriverConnection, first: int, last: int) -> list[StoredEvent]:
    """The events at positions first..last, in position order (audit.reads.events_between on the driver)."""
    rows = fetch_rows(conn, statements(conn).events_between, (first, last))
    return [stored_event(dict(zip(EVENT_COLUMNS, row, strict=True))) for row in rows]


def lock_head(conn: DriverConnection) -> LogHead:
    """Read the log head, holding its row lock (PostgreSQL) until the transaction ends.

    Every append takes this lock before reading anything else, so appends are serialised: positions are
    assigned in commit order and a reader following positions never sees N+1 before N (the outbox bug).
    On SQLite the same is achieved by BEGIN IMMEDIATE (see audit.database.write_transaction).
    """
    return head_of(fetch_rows(conn, statements(conn).lock_head, ()))

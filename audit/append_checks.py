"""What an append must satisfy before anything is written: the case's state, payloads, roles, references."""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from audit.append_sql import AppendSQL, fetch_each, fetch_rows, head_of, statements
from audit.append_types import AppendPolicy, AppendRequest
from audit.database import DriverConnection, PooledDriver
from audit.reads import LogHead
from compliance.envelope import EventRejected, FieldError, ProposedEvent, validate_event
from compliance.events import SYSTEM_TYPES

MAX_ID_LENGTH = 36  # events.id is VARCHAR(36): a UUID, or a client id no longer than one
MAX_KEY_LENGTH = 200  # case_id and idempotency_key columns
REFERENCES = {"entry_corrected": "corrects", "entry_voided": "voids"}


@dataclass(frozen=True)
class Idempotency:
    """The request an idempotency key was first used for: its body hash and the positions it wrote."""

    request_hash: str
    first_position: int
    last_position: int


@dataclass(frozen=True)
class CaseState:
    """What the store knows of a case before an append: its version and its case_opened time zone."""

    version: int
    timezone: str | None


NEW_CASE = CaseState(0, None)


def open_log(
    conn: DriverConnection, requests: Sequence[AppendRequest]
) -> tuple[LogHead, dict[str, CaseState], dict[tuple[str, str], Idempotency]]:
    """Lock the log head, then read the requests' cases and idempotency keys: one round trip on PostgreSQL.

    The head lock comes first (see audit.append_rows.lock_head); on PostgreSQL the reads are separate
    statements pipelined behind it, so they see every append that committed before the lock was granted.
    """
    sql = statements(conn)
    case_ids = {r.case_id for r in requests}
    pairs = {(r.case_id, r.idempotency_key) for r in requests if r.idempotency_key is not None}
    with_zone, without_zone = sql.head_and_case, sql.head_and_version
    if len(case_ids) == 1 and not pairs and with_zone is not None and without_zone is not None:  # one, SQLite
        (case_id,) = case_ids
        return *_head_and_case(conn, case_id, with_zone=with_zone, without_zone=without_zone), {}
    queries: list[tuple[str, Sequence[Any]]] = [(sql.lock_head, ()), _case_query(sql, case_ids)]
    if pairs:
        queries.append((sql.idempotency, (json.dumps(sorted(pairs)),)))
    head, cases, *keys = fetch_each(conn, queries)
    return head_of(head), _case_states(cases, case_ids), _idempotency(keys[0]) if keys else {}


ZONES_KEY = "compliance_case_zones"  # in the DBAPI connection's info: zones this connection has read
ZONES_KEPT = 1 << 16  # about 6 MB at most per connection; forgotten all at once when full


def _head_and_case(
    conn: DriverConnection, case_id: str, *, with_zone: str, without_zone: str
) -> tuple[LogHead, dict[str, CaseState]]:
    """The log head and one case's state in one statement; the case's zone read only the first time.

    A committed case_opened never changes (the log is append-only), so its zone, once read on a connection,
    is remembered there: reading it again meant parsing the case_opened payload on every append (issue 2).
    Only committed zones are remembered: read on a bare driver connection, in the transaction driver_transaction
    has just begun, before anything is written in it (a caller's Connection may hold its own uncommitted
    case_opened, which a rollback would take back). A case not yet opened is read again each time.
    """
    zones: dict[str, str] = conn.connection.info.setdefault(ZONES_KEY, {})
    known = zones.get(case_id)
    if known is not None:
        ((*head, version),) = fetch_rows(conn, without_zone, (case_id,))
        return head_of([head]), _case_states([(version, known if version is not None else None)], (case_id,))
    ((*head, version, timezone),) = fetch_rows(conn, with_zone, (case_id, case_id))
    if timezone is not None and isinstance(conn, PooledDriver):
        if len(zones) >= ZONES_KEPT:
            zones.clear()
        zones[case_id] = timezone
    return head_of([head]), _case_states([(version, timezone)], (case_id,))


def _case_query(sql: AppendSQL, case_ids: Collection[str]) -> tuple[str, Sequence[Any]]:
    if len(case_ids) == 1:  # the common case (one append, one transaction): no JSON array to build
        (case_id,) = case_ids
        return sql.case_state, (case_id, case_id)
    return sql.case_states, (json.dumps(sorted(case_ids)),)


def _case_states(rows: Sequence[Any], case_ids: Collection[str]) -> dict[str, CaseState]:
    """CaseState of each existing case, from the rows of _case_query."""
    if len(case_ids) == 1:
        ((version, timezone),) = rows
        rows = [(next(iter(case_ids)), version, timezone)]
    return {case_id: CaseState(int(version), timezone) for case_id, version, timezone in rows if version is not None}


def _idempotency(rows: Sequence[Any]) -> dict[tuple[str, str], Idempotency]:
    return {(case_id, key): Idempotency(request_hash, int(first), int(last))
            for case_id, key, request_hash, first, last in rows}


def opens_case(request: AppendRequest) -> bool:
    """True when the batch starts with case_opened (the only way a case comes to exist)."""
    return bool(request.events) and request.events[0].get("type") == "case_opened"


def validate_batch(request: AppendRequest, state: CaseState, policy: AppendPolicy) -> list[ProposedEvent]:
    """Validate every event of the batch (payload, time, role, placement); raise one EventRejected for all."""
    errors = _request_errors(request)
    zone = _zone(request, state, policy)
    proposed: list[ProposedEvent] = []
    for index, raw in enumerate(_with_default_timezone(request, policy)):
        try:
            proposed.append(validate_event(
                raw, where=f"events[{index}]", now=request.now, max_skew=policy.max_skew, zone=zone,
                max_payload_bytes=policy.max_payload_bytes,
            ))
        except EventRejected as exc:
            errors += exc.errors
        errors += _placement_errors(index, raw, request)
    if errors:
        raise EventRejected(errors)
    return proposed


def _request_errors(request: AppendRequest) -> list[FieldError]:
    errors = []
    if not request.events:
        errors.append(FieldError("events", "at least one event is required"))
    if not 0 < len(request.case_id) <= MAX_KEY_LENGTH:
        errors.append(FieldError("case_id", f"must be 1 to {MAX_KEY_LENGTH} characters"))
    key = request.idempotency_key
    if key is not None and not 0 < len(key) <= MAX_KEY_LENGTH:
        errors.append(FieldError("idempotency_key", f"must be 1 to {MAX_KEY_LENGTH} characters"))
    return errors


def _zone(request: AppendRequest, state: CaseState, policy: AppendPolicy) -> ZoneInfo:
    """CONTRACT §1: legal dates are read in the case's zone, named by its case_opened event."""
    name = state.timezone
    if opens_case(request):
        data = request.events[0].get("data")
        name = data.get("timezone") if isinstance(data, Mapping) else None
    try:
        return ZoneInfo(str(name or policy.default_timezone))
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(policy.default_timezone)  # the payload check reports the bad zone itself


def _with_default_timezone(request: AppendRequest, policy: AppendPolicy) -> list[Mapping[str, Any]]:
    """The events, with the servicer's default zone written into a case_opened that names none."""
    batch = list(request.events)
    data = batch[0].get("data") if batch else None
    if opens_case(request) and isinstance(data, Mapping) and "timezone" not in data:
        batch[0] = {**batch[0], "data": {**data, "timezone": policy.default_timezone}}
    return batch


def _placement_errors(index: int, raw: Mapping[str, Any], request: AppendRequest) -> list[FieldError]:
    where, kind, client_id = f"events[{index}]", raw.get("type"), raw.get("id")
    errors = []
    if kind == "case_opened" and index > 0:
        errors.append(FieldError(f"{where}.type", "case_opened must be the first event of a case"))
    if kind in SYSTEM_TYPES and request.actor.role != "system":
        errors.append(FieldError(f"{where}.type", f"{kind} is recorded only by the system actor"))
    if isinstance(client_id, str) and len(client_id) > MAX_ID_LENGTH:
        errors.append(FieldError(f"{where}.id", f"must be at most {MAX_ID_LENGTH} characters"))
    if client_id is not None and any(e.get("id") == client_id for e in request.events[:index]):
        errors.append(FieldError(f"{where}.id", f"{client_id!r} is used twice in this batch"))
    return errors


def check_references(
    conn: DriverConnection, case_id: str, proposed: Sequence[ProposedEvent], *, pending: Mapping[str, str]
) -> None:
    """Client ids must be new; corrections and voids must name an earlier event of the same case.

    `pending` maps the ids of events appended earlier in the same transaction (not yet written) to their case.
    """
    wanted = _references(proposed)
    client_ids = [(i, p.id) for i, p in enumerate(proposed) if p.id is not None]
    lookup = {target for _, _, target in wanted} | {cid for _, cid in client_ids}
    if not lookup:
        return
    owner = dict(fetch_rows(conn, statements(conn).owners, (json.dumps(sorted(lookup)),)))
    owner |= {event_id: pending[event_id] for event_id in lookup if event_id in pending}
    errors = [FieldError(f"events[{i}].id", f"{cid!r} is already used by another event")
              for i, cid in client_ids if cid in owner]
    for index, field, target in wanted:
        earlier = {p.id for p in proposed[:index] if p.id is not None}
        if target in earlier:
            continue
        where = f"events[{index}].data.{field}"
        if target not in owner:
            errors.append(FieldError(where, f"names no earlier event {target!r} of case {case_id}"))
        elif owner[target] != case_id:
            errors.append(FieldError(where, f"names event {target!r}, which belongs to another case"))
    if errors:
        raise EventRejected(errors)


def _references(proposed: Sequence[ProposedEvent]) -> list[tuple[int, str, str]]:
    """(index, field, target id) of every entry_corrected.corrects / entry_voided.voids in the batch."""
    found = []
    for index, event in enumerate(proposed):
        field = REFERENCES.get(event.type)
        if field is not None:
            found.append((index, field, str(getattr(event.data, field))))
    return found

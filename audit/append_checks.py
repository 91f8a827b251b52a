"""What an append must satisfy before anything is written: the case's state, payloads, roles, references."""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import JSON, Connection, Select, bindparam, cast, func, select, tuple_

from audit.append_types import AppendPolicy, AppendRequest
from audit.schema import events, idempotency_keys
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


def _wanted_cases(dialect: str) -> Any:
    """The case ids of a request batch as a table, from ONE JSON-array parameter (no per-size statements)."""
    if dialect == "postgresql":
        return func.json_array_elements_text(cast(bindparam("case_ids"), JSON)).table_valued("value")
    return func.json_each(bindparam("case_ids")).table_valued("value")


def _case_states_query(dialect: str) -> Select[Any]:
    """Built once per dialect: each case's last version and case_opened payload, by two index probes."""
    wanted = _wanted_cases(dialect).alias("wanted")
    in_case = events.c.case_id == wanted.c.value
    version = select(func.max(events.c.version)).where(in_case).scalar_subquery()
    opened = select(events.c.data).where(in_case, events.c.version == 1).scalar_subquery()
    return select(wanted.c.value.label("case_id"), version.label("version"), opened.label("opened"))


_CASE_STATES = {dialect: _case_states_query(dialect) for dialect in ("postgresql", "sqlite")}
_KEYS = select(idempotency_keys).where(
    tuple_(idempotency_keys.c.case_id, idempotency_keys.c.key).in_(bindparam("pairs", expanding=True))
)


def read_case_states(conn: Connection, case_ids: Collection[str]) -> dict[str, CaseState]:
    """One round trip for any number of cases: version and time zone of each existing case."""
    query = _CASE_STATES.get(conn.dialect.name)
    if query is None:
        raise RuntimeError(f"the event store runs on SQLite or PostgreSQL, not {conn.dialect.name}")
    found = {}
    for row in conn.execute(query, {"case_ids": json.dumps(sorted(case_ids))}):
        if row.version is not None:
            timezone = json.loads(row.opened).get("timezone") if row.opened else None
            found[row.case_id] = CaseState(int(row.version), timezone)
    return found


def read_idempotency(conn: Connection, pairs: Collection[tuple[str, str]]) -> dict[tuple[str, str], Idempotency]:
    """One round trip: the earlier use, if any, of each (case_id, idempotency key)."""
    rows = conn.execute(_KEYS, {"pairs": sorted(pairs)})
    return {(r.case_id, r.key): Idempotency(r.request_hash, int(r.first_position), int(r.last_position)) for r in rows}


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


_OWNERS = select(events.c.id, events.c.case_id).where(events.c.id.in_(bindparam("ids", expanding=True)))


def check_references(
    conn: Connection, case_id: str, proposed: Sequence[ProposedEvent], *, pending: Mapping[str, str]
) -> None:
    """Client ids must be new; corrections and voids must name an earlier event of the same case.

    `pending` maps the ids of events appended earlier in the same transaction (not yet written) to their case.
    """
    wanted = _references(proposed)
    client_ids = [(i, p.id) for i, p in enumerate(proposed) if p.id is not None]
    lookup = {target for _, _, target in wanted} | {cid for _, cid in client_ids}
    if not lookup:
        return
    owner = {row.id: row.case_id for row in conn.execute(_OWNERS, {"ids": sorted(lookup)})}
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

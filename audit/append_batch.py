"""Appends inside one transaction that holds the log head: each checked on its own, all written together."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from audit.append_checks import (
    NEW_CASE,
    CaseState,
    Idempotency,
    check_references,
    open_log,
    opens_case,
    validate_batch,
)
from audit.append_rows import chain, request_hash, stored_between, write_appended
from audit.append_types import AppendPolicy, AppendRequest, AppendResult
from audit.database import DriverConnection
from audit.errors import CaseNotFound, ConcurrencyConflict, EventRejected, FieldError, IdempotencyConflict
from audit.reads import StoredEvent


class AppendBatch:
    """Plans appends in memory (every check before any write), then writes them in a few statements.

    Opening the batch takes the log head lock (see audit.append_rows.lock_head), held until the caller's
    transaction ends, and reads what the requests need in the same round trip. A refused request
    raises from add() and leaves the batch as it was, so requests sharing a group commit cannot harm each
    other; later requests of the batch see the earlier ones (versions, ids, idempotency keys).
    """

    def __init__(self, conn: DriverConnection, requests: Sequence[AppendRequest], *, policy: AppendPolicy) -> None:
        self._conn = conn
        self._policy = policy
        self.head, self._states, self._keys = open_log(conn, requests)
        self._planned: dict[tuple[str, str], AppendResult] = {}  # keys first used in this batch
        self._pending: list[StoredEvent] = []
        self._rows: list[tuple[Any, ...]] = []  # the events rows of _pending
        self._pending_ids: dict[str, str] = {}
        self._key_rows: list[dict[str, object]] = []

    def add(self, request: AppendRequest) -> AppendResult:
        """Check one request against the log and the batch so far; plan its events or raise its refusal."""
        state = self._states.get(request.case_id, NEW_CASE)
        if state.version == 0 and not opens_case(request):
            raise CaseNotFound(request.case_id)
        proposed = validate_batch(request, state, self._policy)
        body_hash = request_hash(request) if request.idempotency_key is not None else None
        replay = self._replay(request, body_hash)
        if replay is not None:
            return replay
        _check_version(request, state)
        check_references(self._conn, request.case_id, proposed, pending=self._pending_ids)
        stored, rows, self.head = chain(request, proposed, head=self.head, version=state.version)
        result = AppendResult(tuple(stored))
        self._remember(request, result, state, body_hash)
        self._rows.extend(rows)
        return result

    def write(self, *, commit: bool = False) -> None:
        """Insert every planned event and idempotency record and move the log head (nothing if none).

        With `commit` (for a transaction of the caller's own, and no on_appended hook), the transaction is
        committed with the writes: one round trip fewer on PostgreSQL.
        """
        if not self._pending:
            return
        if commit and self._policy.on_appended is not None:
            raise ValueError("on_appended runs inside the transaction: commit after it, not with the writes")
        write_appended(self._conn, self._rows, idempotency=self._key_rows, head=self.head, commit=commit)
        written, self._pending, self._rows, self._pending_ids, self._key_rows = self._pending, [], [], {}, []
        if self._policy.on_appended is not None:  # issue 4: read models move in the same transaction
            self._policy.on_appended(self._conn, list(dict.fromkeys(e.case_id for e in written)))

    def _replay(self, request: AppendRequest, body_hash: str | None) -> AppendResult | None:
        """The same key and body return the original events; the same key with another body is refused."""
        key = request.idempotency_key
        used = self._keys.get((request.case_id, key)) if key is not None else None
        if used is None or key is None:
            return None
        if used.request_hash != body_hash:
            raise IdempotencyConflict(request.case_id, key)
        planned = self._planned.get((request.case_id, key))
        if planned is not None:
            return replace(planned, replayed=True)
        original = stored_between(self._conn, used.first_position, used.last_position)
        return AppendResult(tuple(original), replayed=True)

    def _remember(
        self, request: AppendRequest, result: AppendResult, state: CaseState, body_hash: str | None
    ) -> None:
        stored = result.events
        opened = stored[0].data.get("timezone") if stored[0].type == "case_opened" else None
        self._states[request.case_id] = CaseState(stored[-1].version, state.timezone or opened)
        self._pending.extend(stored)
        self._pending_ids.update({e.id: e.case_id for e in stored})
        key = request.idempotency_key
        if key is not None and body_hash is not None:
            self._keys[(request.case_id, key)] = Idempotency(body_hash, stored[0].position, stored[-1].position)
            self._planned[(request.case_id, key)] = result
            self._key_rows.append({
                "case_id": request.case_id, "key": key, "request_hash": body_hash,
                "first_position": stored[0].position, "last_position": stored[-1].position,
            })


def _check_version(request: AppendRequest, state: CaseState) -> None:
    expected = request.expected_version
    if expected is not None and expected != state.version:
        raise ConcurrencyConflict(request.case_id, expected=expected, actual=state.version)
    if opens_case(request) and state.version:
        # A case is opened once: case_opened is always version 1 (CONTRACT §1-§2).
        raise EventRejected([FieldError("events[0].type", f"case {request.case_id} is already opened")])

"""The only write path of the log: append(case_id, events, expected_version, actor, idempotency_key)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine
from sqlalchemy.exc import IntegrityError

from audit.append_batch import AppendBatch
from audit.append_rows import VERSION_RACE
from audit.append_types import ROLES, Actor, AppendPolicy, AppendRequest, AppendResult
from audit.database import driver_transaction
from audit.errors import ConcurrencyConflict

__all__ = ["ROLES", "Actor", "AppendPolicy", "AppendRequest", "AppendResult", "append", "append_request"]

DEFAULT_POLICY = AppendPolicy()  # built once: constructing one checks its zone name, a cost on every append


def append(
    target: Engine | Connection,
    case_id: str,
    events: Sequence[Mapping[str, Any]],
    *,
    expected_version: int | None,
    actor: Actor,
    now: datetime,
    idempotency_key: str | None = None,
    policy: AppendPolicy | None = None,
) -> AppendResult:
    """Validate and durably append events to one case in one transaction; nothing is written on refusal.

    Raises EventRejected (naming `events[i].field`), CaseNotFound, ConcurrencyConflict or
    IdempotencyConflict. Given a Connection inside a transaction, the caller commits (or rolls back).
    """
    request = AppendRequest(case_id, tuple(events), expected_version, actor, now, idempotency_key)
    return append_request(target, request, policy=policy)


def append_request(
    target: Engine | Connection, request: AppendRequest, *, policy: AppendPolicy | None = None
) -> AppendResult:
    """append() for a prepared AppendRequest."""
    try:
        policy = policy or DEFAULT_POLICY
        with driver_transaction(target, full_connection=policy.on_appended is not None) as conn:
            # The head lock serialises appends: positions follow commit order (see AppendBatch).
            batch = AppendBatch(conn, [request], policy=policy)
            result = batch.add(request)
            # Ours to commit when we began it and no hook still has to run in it.
            batch.write(commit=isinstance(target, Engine) and policy.on_appended is None)
    except IntegrityError as exc:
        # UNIQUE(case_id, version) is the last line of defence should a writer bypass the head lock.
        if any(name in str(exc.orig) for name in VERSION_RACE):
            raise ConcurrencyConflict(request.case_id, expected=request.expected_version, actual=None) from None
        raise
    return result

"""Appending through the API: scope checks, then the store's one write path, then a checkpoint when due."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import structlog
from starlette.datastructures import State

from api.auth import Principal, check_assignments, check_case
from api.blocking import run_blocking
from api.settings import Settings
from audit.checkpoints import maybe_checkpoint
from audit.projections import Projector
from audit.store import AppendPolicy, AppendRequest, AppendResult, append_request
from audit.tokens import case_team

log = structlog.get_logger()


def append_policy(settings: Settings) -> AppendPolicy:
    """The store's limits as configured, with the projection hook (read models in the same transaction)."""
    return AppendPolicy(
        max_skew=timedelta(seconds=settings.max_clock_skew_seconds),
        max_payload_bytes=settings.max_payload_bytes,
        default_timezone=settings.default_timezone,
        on_appended=Projector(calendar=settings.calendar_policy, readings=settings.readings),
    )


@dataclass(frozen=True)
class AppendCall:
    """One append as the client asked for it (the actor comes from the token, never from here)."""

    case_id: str
    events: Sequence[Mapping[str, Any]]
    expected_version: int | None = None
    idempotency_key: str | None = None


async def record_events(state: State, principal: Principal, call: AppendCall, *, now: datetime) -> AppendResult:
    """Append the events for the caller once its scope allows it; raises the store's refusals unchanged.

    Async on purpose: the request waits for its group commit on the event loop (an awaited future), not in
    a blocked worker thread, so 32 concurrent appends do not mean 32 threads contending for the GIL.
    """
    await run_blocking(state, _check_scope, state, principal, call)
    request = AppendRequest(call.case_id, tuple(call.events), call.expected_version, principal.actor, now,
                            call.idempotency_key)
    if state.committer is not None:
        result = await asyncio.wrap_future(state.committer.submit(request))
    else:
        result = await run_blocking(state, append_request, state.engine, request, policy=append_policy(state.settings))
    if not result.replayed:
        state.metrics.appends.inc(len(result.events))
        if _checkpoint_due(state, result):
            await run_blocking(state, _checkpoint, state, result, now=now)
    return result


def _check_scope(state: State, principal: Principal, call: AppendCall) -> None:
    opening = bool(call.events) and call.events[0].get("type") == "case_opened"
    check_case(principal, call.case_id, team=None if opening else case_team(state.engine, call.case_id))
    check_assignments(principal, call.events)


def _checkpoint_due(state: State, result: AppendResult) -> bool:
    """True when this append crossed a multiple of checkpoint_every (issue 2: a checkpoint every N events)."""
    every: int = state.settings.checkpoint_every
    return every > 0 and (result.events[0].position - 1) // every != result.position // every


def _checkpoint(state: State, result: AppendResult, *, now: datetime) -> None:
    every = state.settings.checkpoint_every
    try:
        maybe_checkpoint(state.engine, state.signing_key, every=every, now=now, tree=state.log_tree)
    except Exception:  # noqa: BLE001 - the append is durable already; a missed checkpoint is retried next time
        log.exception("checkpoint_failed", position=result.position)

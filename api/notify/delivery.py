"""Delivery engine: every channel tried on its own, failures retried later with backoff, then dead-lettered.

Nothing here sleeps: a failed attempt is recorded with its `next_attempt_at`, and a later `retry_due` pass
(the scheduler's) sends what has come due. One channel failing, or raising something unexpected, never
stops the other channels or the scan that called in.

`store` is an Engine (or a Connection outside any transaction): claiming and recording each commit their
own short transaction, and no transaction is held open while a channel talks to the network. To make
raising an alert and queueing its deliveries one atomic step, call `hold` (claimed by the caller, sent with
`send_held` after commit) or `enqueue` (sent by a later `retry_due`) inside the scan's transaction;
`deliver`/`deliver_many` send at once but commit the claim separately.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

import structlog
from sqlalchemy import Connection, Engine

from api.notify.channel import Channel, DeliveryFailed
from api.notify.message import AlertMessage
from api.notify.policy import RetryPolicy
from audit import deliveries
from audit.deliveries import Claim, Outcome, Result

log = structlog.get_logger("notify")
CHANNEL_MISSING = "channel not configured in this process"


@dataclass(frozen=True)
class DeliveryResult:
    """What one attempt of one alert through one channel came to."""

    alert_id: str
    channel: str
    attempt: int
    result: Result
    error: str | None
    next_attempt_at: datetime | None


def enqueue(
    conn: Engine | Connection, messages: Iterable[AlertMessage], channels: Sequence[Channel], *, now: datetime
) -> None:
    """Record deliveries due at `now` without sending; use inside the transaction that raises the alerts."""
    names = [channel.name for channel in channels]
    deliveries.enqueue(conn, _bodies(messages), channels=names, now=now)


def hold(
    conn: Connection,
    messages: Sequence[AlertMessage],
    channels: Sequence[Channel],
    *,
    now: datetime,
    policy: RetryPolicy,
    token: str,
) -> list[Claim]:
    """Record deliveries already claimed by `token`, inside the transaction that raises the alerts.

    Send them with `send_held` once that transaction has committed; if it never commits, neither do they.
    """
    names = [channel.name for channel in channels]
    return deliveries.enqueue_held(conn, _bodies(messages), channels=names, now=now, lease=policy.lease, token=token)


def send_held(
    claims: Sequence[Claim],
    channels: Sequence[Channel],
    *,
    store: Engine | Connection,
    now: datetime,
    policy: RetryPolicy,
    known: Mapping[str, AlertMessage],
    held_since: float,
) -> list[DeliveryResult]:
    """Attempt claims this process holds (from `hold`, committed) and record the outcomes in one transaction.

    `held_since` is the time.monotonic() at which their lease began: sending stops well inside it.
    """
    return _attempt_all(claims, channels, store=store, now=now, policy=policy, known=known, started=held_since)


def deliver(
    message: AlertMessage,
    channels: Sequence[Channel],
    *,
    store: Engine | Connection,
    now: datetime,
    policy: RetryPolicy,
) -> list[DeliveryResult]:
    """Send a new alert through every channel once now; failures are scheduled, never waited for."""
    return deliver_many([message], channels, store=store, now=now, policy=policy)


def deliver_many(
    messages: Sequence[AlertMessage],
    channels: Sequence[Channel],
    *,
    store: Engine | Connection,
    now: datetime,
    policy: RetryPolicy,
) -> list[DeliveryResult]:
    """`deliver` for a batch: one transaction to claim, one to record; alerts already raised are skipped."""
    names = [channel.name for channel in channels]
    claims = deliveries.enqueue_claimed(store, _bodies(messages), channels=names, now=now, lease=policy.lease)
    known = {message.alert_id: message for message in messages}
    return _attempt_all(claims, channels, store=store, now=now, policy=policy, known=known)


def retry_due(
    channels: Sequence[Channel],
    *,
    store: Engine | Connection,
    now: datetime,
    policy: RetryPolicy,
    limit: int = 100,
) -> list[DeliveryResult]:
    """Claim and attempt up to `limit` pending deliveries due at `now` (retries and enqueued alerts)."""
    claims = deliveries.claim_due(store, now=now, lease=policy.lease, max_attempts=policy.max_attempts, limit=limit)
    return _attempt_all(claims, channels, store=store, now=now, policy=policy, known={})


def _attempt_all(
    claims: Sequence[Claim],
    channels: Sequence[Channel],
    *,
    store: Engine | Connection,
    now: datetime,
    policy: RetryPolicy,
    known: Mapping[str, AlertMessage],
    started: float | None = None,
    monotonic: Callable[[], float] = time.monotonic,
) -> list[DeliveryResult]:
    by_name = {channel.name: channel for channel in channels}
    # Stop well inside the lease: past it another process may claim the same rows and send them again.
    # Claims taken just now always get one attempt; claims held since `started` may already be too old.
    budget, checked = policy.lease.total_seconds() / 2, started is not None
    started = monotonic() if started is None else started
    outcomes: list[Outcome] = []
    for index, claim in enumerate(claims):
        if (index or checked) and monotonic() - started > budget:
            deliveries.release(store, claims[index:], now=now)
            break
        outcomes.append(_attempt(claim, by_name.get(claim.channel), now=now, policy=policy, known=known))
    deliveries.record_outcomes(store, outcomes, now=now)
    return [_result(outcome) for outcome in outcomes]


def _attempt(
    claim: Claim, channel: Channel | None, *, now: datetime, policy: RetryPolicy, known: Mapping[str, AlertMessage]
) -> Outcome:
    error, retryable = _send(claim, channel, known=known)
    if error is None:
        return Outcome(claim, "delivered")
    if retryable and not policy.is_final(claim.attempt):
        wait = policy.delay(claim.attempt, key=f"{claim.alert_id}:{claim.channel}")
        _log_failure(claim, error=error, result="retry_scheduled")
        return Outcome(claim, "retry_scheduled", error=error, next_attempt_at=now + wait)
    _log_failure(claim, error=error, result="dead_letter")
    return Outcome(claim, "dead_letter", error=error)


def _send(claim: Claim, channel: Channel | None, *, known: Mapping[str, AlertMessage]) -> tuple[str | None, bool]:
    """(None, _) when delivered, else (error text without secrets, retryable)."""
    if channel is None:
        return CHANNEL_MISSING, True
    try:
        message = known.get(claim.alert_id) or AlertMessage.from_body(claim.message)
    except (ValueError, KeyError, TypeError) as exc:
        return f"stored message unreadable ({type(exc).__name__})", False
    try:
        channel.send(message)
    except DeliveryFailed as exc:
        return exc.reason, exc.retryable
    except Exception as exc:  # noqa: BLE001 - a broken channel must not stop the others (issue 4)
        # Only the type: an unexpected exception's text may hold a URL token or a password.
        return f"unexpected error ({type(exc).__name__})", True
    return None, False


def _log_failure(claim: Claim, *, error: str, result: str) -> None:
    level = log.error if result == "dead_letter" else log.warning
    level(
        "alert_delivery_failed",
        alert_id=claim.alert_id,
        channel=claim.channel,
        attempt=claim.attempt,
        error=error,
        result=result,
    )


def _result(outcome: Outcome) -> DeliveryResult:
    claim = outcome.claim
    return DeliveryResult(
        claim.alert_id, claim.channel, claim.attempt, outcome.result, outcome.error, outcome.next_attempt_at
    )


def _bodies(messages: Iterable[AlertMessage]) -> list[tuple[str, str]]:
    return [(message.alert_id, message.to_body().decode()) for message in messages]

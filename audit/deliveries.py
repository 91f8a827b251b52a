"""Alert delivery bookkeeping: enqueue, claim (SKIP LOCKED), record attempts, dead-letter, read back.

A delivery is claimed before it is sent: the claim moves `next_attempt_at` to the end of a lease and stamps
a `claim_token`, in a short transaction, so no other process sees it as due while the send is in flight and
no transaction stays open across network I/O. On PostgreSQL the claim reads with FOR UPDATE SKIP LOCKED, so
concurrent schedulers take disjoint rows instead of queueing behind each other; on SQLite the write lock
taken at BEGIN IMMEDIATE serialises claimers. A process that dies mid-send leaves a lease that expires:
the next claim logs that attempt as `lease_expired` and tries again (delivery is at least once; receivers
de-duplicate on the alert id).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from sqlalchemy import Connection, Engine, Insert, Row, bindparam, select, tuple_, update
from sqlalchemy.dialects import postgresql, sqlite

from audit.bulk_insert import insert_new_rows
from audit.database import connect, write_transaction
from audit.delivery_schema import alert_deliveries, delivery_attempts
from audit.delivery_sql import write_outcomes

State = Literal["pending", "delivered", "dead_letter"]
Result = Literal["delivered", "retry_scheduled", "dead_letter"]
LEASE_EXPIRED_ERROR = "no outcome recorded before the claim's lease ran out (process stopped mid-send?)"

_d = alert_deliveries.c
_KEY = ("alert_id", "channel")  # the primary key: raising an alert twice never adds a delivery


@dataclass(frozen=True)
class Claim:
    """A delivery this process holds: send `message` through `channel`, then record the outcome."""

    alert_id: str
    channel: str
    attempt: int
    message: str
    token: str


@dataclass(frozen=True)
class Outcome:
    """What one claimed attempt came to; `next_attempt_at` only for retry_scheduled."""

    claim: Claim
    result: Result
    error: str | None = None
    next_attempt_at: datetime | None = None


@dataclass(frozen=True)
class Delivery:
    """The current state of one alert through one channel."""

    alert_id: str
    channel: str
    state: State
    attempts: int
    next_attempt_at: datetime | None
    last_error: str | None
    updated_at: datetime


@dataclass(frozen=True)
class Attempt:
    """One line of the append-only delivery log."""

    alert_id: str
    channel: str
    attempt: int
    outcome: str
    error: str | None
    at: datetime


def instant_text(instant: datetime) -> str:
    """The stored form of a time: UTC, fixed width "YYYY-MM-DDTHH:MM:SS.ffffffZ" (text order = time order)."""
    if instant.utcoffset() is None:
        raise ValueError("delivery times must be timezone-aware")
    return instant.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def enqueue(
    target: Engine | Connection, messages: Iterable[tuple[str, str]], *, channels: Sequence[str], now: datetime
) -> None:
    """Create pending deliveries, due at `now`, of (alert_id, json) through each channel; existing ones stay.

    Call it inside the transaction that raises the alert, so an alert is never committed without its
    deliveries; `claim_due` then picks them up.
    """
    rows = _new_rows(messages, channels=channels, now=now, claim=None)
    if rows:
        with write_transaction(target) as conn:
            conn.execute(_insert_new(conn), rows)


def enqueue_claimed(
    target: Engine | Connection,
    messages: Iterable[tuple[str, str]],
    *,
    channels: Sequence[str],
    now: datetime,
    lease: timedelta,
) -> list[Claim]:
    """Create deliveries already claimed by the caller for attempt 1; (alert, channel) pairs that exist are
    left alone and not returned, so raising an alert twice never sends it twice."""
    token = str(uuid.uuid4())
    rows = _new_rows(messages, channels=channels, now=now, claim=(token, now + lease))
    if not rows:
        return []
    with write_transaction(target) as conn:
        conn.execute(_insert_new(conn), rows)
        held = conn.execute(_claim_columns().where(_d.claim_token == token)).all()
    return [_claim(row, token=token, attempt=row.attempts) for row in held]


def enqueue_held(
    conn: Connection,
    messages: Iterable[tuple[str, str]],
    *,
    channels: Sequence[str],
    now: datetime,
    lease: timedelta,
    token: str,
) -> list[Claim]:
    """Create deliveries held by `token` for attempt 1, in the caller's transaction (the one raising the alerts).

    The claim commits with the alerts, so no separate claiming transaction is needed and no other process
    sends them while the lease runs; (alert, channel) pairs that exist are left alone and not returned.
    """
    rows = _new_rows(messages, channels=channels, now=now, claim=(token, now + lease))
    if not rows:
        return []
    held = set(insert_new_rows(conn, alert_deliveries, rows, key=_KEY, returning=_KEY))
    return [
        Claim(r["alert_id"], r["channel"], 1, r["message"], token)
        for r in rows
        if (r["alert_id"], r["channel"]) in held
    ]


def claim_due(
    target: Engine | Connection, *, now: datetime, lease: timedelta, max_attempts: int, limit: int = 100
) -> list[Claim]:
    """Claim up to `limit` pending deliveries due at `now`, skipping rows another process has locked."""
    token, at = str(uuid.uuid4()), instant_text(now)
    with write_transaction(target) as conn:
        due = conn.execute(
            _claim_columns()
            .where(_d.state == "pending", _d.next_attempt_at <= at)
            .order_by(_d.next_attempt_at)
            .limit(limit)
            .with_for_update(skip_locked=True)  # SQLite compiles this away; its BEGIN IMMEDIATE serialises
        ).all()
        # A row still carrying a claim token was claimed by a process that never reported back.
        abandoned = [row for row in due if row.claim_token is not None]
        if abandoned:
            lost = [
                _log_row(r.alert_id, r.channel, r.attempts, "lease_expired", LEASE_EXPIRED_ERROR, at) for r in abandoned
            ]
            conn.execute(delivery_attempts.insert(), lost)
        exhausted = {(row.alert_id, row.channel) for row in abandoned if row.attempts >= max_attempts}
        _set(
            conn,
            exhausted,
            state="dead_letter",
            next_attempt_at=None,
            claim_token=None,
            last_error=LEASE_EXPIRED_ERROR,
            updated_at=at,
        )
        claimable = [row for row in due if (row.alert_id, row.channel) not in exhausted]
        _set(
            conn,
            {(row.alert_id, row.channel) for row in claimable},
            attempts=_d.attempts + 1,
            claim_token=token,
            next_attempt_at=instant_text(now + lease),
            updated_at=at,
        )
    return [_claim(row, token=token, attempt=row.attempts + 1) for row in claimable]


def record_outcomes(target: Engine | Connection, outcomes: Sequence[Outcome], *, now: datetime) -> None:
    """Append one delivery-log line per outcome and move each claimed delivery to its new state."""
    if not outcomes:
        return
    at = instant_text(now)
    with write_transaction(target) as conn:
        # Only the claim holder may move the row: if its lease ran out and another process took the
        # delivery over, that process's outcome wins (this attempt is still in the log).
        write_outcomes(conn, [_attempt_values(o, at=at) for o in outcomes], [_state_change(o, at=at) for o in outcomes])


def release(target: Engine | Connection, claims: Sequence[Claim], *, now: datetime) -> None:
    """Give back claims that were not attempted: due again at `now`, their attempt not counted."""
    if not claims:
        return
    with write_transaction(target) as conn:
        conn.execute(
            update(alert_deliveries)
            .where(_d.alert_id == bindparam("k_alert"), _d.channel == bindparam("k_channel"))
            .where(_d.claim_token == bindparam("k_token"))
            .values(
                attempts=_d.attempts - 1,
                claim_token=None,
                next_attempt_at=instant_text(now),
                updated_at=instant_text(now),
            ),
            [{"k_alert": c.alert_id, "k_channel": c.channel, "k_token": c.token} for c in claims],
        )


def deliveries(
    target: Engine | Connection, *, alert_id: str | None = None, state: State | None = None
) -> list[Delivery]:
    """Deliveries, optionally of one alert or in one state, ordered by alert and channel."""
    query = select(alert_deliveries).order_by(_d.alert_id, _d.channel)
    if alert_id is not None:
        query = query.where(_d.alert_id == alert_id)
    if state is not None:
        query = query.where(_d.state == state)
    with connect(target) as conn:
        return [_delivery(row) for row in conn.execute(query)]


def attempts(target: Engine | Connection, *, alert_id: str) -> list[Attempt]:
    """The delivery log of one alert, in the order it was written."""
    a = delivery_attempts.c
    query = select(delivery_attempts).where(a.alert_id == alert_id).order_by(a.id)
    with connect(target) as conn:
        return [
            Attempt(r.alert_id, r.channel, r.attempt, r.outcome, r.error, datetime.fromisoformat(r.at))
            for r in conn.execute(query)
        ]


def _new_rows(
    messages: Iterable[tuple[str, str]],
    *,
    channels: Sequence[str],
    now: datetime,
    claim: tuple[str, datetime] | None,
) -> list[dict[str, Any]]:
    at = instant_text(now)
    token, due = claim if claim else (None, now)
    common = {"state": "pending", "attempts": 1 if claim else 0, "next_attempt_at": instant_text(due)}
    return [
        {
            "alert_id": alert_id,
            "channel": channel,
            "message": body,
            "claim_token": token,
            "created_at": at,
            "updated_at": at,
            "last_error": None,
            **common,
        }
        for alert_id, body in messages
        for channel in channels
    ]


def _insert_new(conn: Connection) -> Insert:
    # INSERT ... ON CONFLICT DO NOTHING: the primary key (alert_id, channel) decides who raised it first.
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    return dialect.insert(alert_deliveries).on_conflict_do_nothing(index_elements=["alert_id", "channel"])


def _claim_columns() -> Any:
    return select(_d.alert_id, _d.channel, _d.attempts, _d.message, _d.claim_token)


def _claim(row: Row[Any], *, token: str, attempt: int) -> Claim:
    return Claim(row.alert_id, row.channel, attempt, row.message, token)


def _set(conn: Connection, keys: set[tuple[str, str]], **values: Any) -> None:
    if keys:
        conn.execute(update(alert_deliveries).where(tuple_(_d.alert_id, _d.channel).in_(sorted(keys))).values(**values))


def _log_row(alert_id: str, channel: str, attempt: int, outcome: str, error: str | None, at: str) -> dict[str, Any]:
    return {"alert_id": alert_id, "channel": channel, "attempt": attempt, "outcome": outcome, "error": error, "at": at}


def _attempt_values(outcome: Outcome, *, at: str) -> tuple[Any, ...]:
    """A delivery_attempts row in ATTEMPT_COLUMNS order."""
    claim = outcome.claim
    return (claim.alert_id, claim.channel, claim.attempt, outcome.result, outcome.error, at)


def _state_change(outcome: Outcome, *, at: str) -> tuple[Any, ...]:
    """The new state of a claimed delivery and its key, in SETTLE_COLUMNS order."""
    claim = outcome.claim
    state = "pending" if outcome.result == "retry_scheduled" else outcome.result
    if state == "pending" and outcome.next_attempt_at is None:
        raise ValueError("a scheduled retry needs next_attempt_at")
    nxt = instant_text(outcome.next_attempt_at) if state == "pending" and outcome.next_attempt_at else None
    return (state, nxt, outcome.error, at, claim.alert_id, claim.channel, claim.token)


def _delivery(row: Row[Any]) -> Delivery:
    nxt = datetime.fromisoformat(row.next_attempt_at) if row.next_attempt_at else None
    updated = datetime.fromisoformat(row.updated_at)
    return Delivery(row.alert_id, row.channel, row.state, row.attempts, nxt, row.last_error, updated)

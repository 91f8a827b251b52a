"""Delivery engine on a real database (SQLite always, PostgreSQL when reachable): retries, dead letters, log."""

from __future__ import annotations

import itertools
import time
import uuid
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from api.notify import (
    AlertMessage,
    DeliveryFailed,
    RetryPolicy,
    Route,
    deliver,
    deliver_many,
    enqueue,
    hold,
    retry_due,
    send_held,
)
from api.notify.delivery import CHANNEL_MISSING, _attempt_all
from audit import deliveries
from audit.database import make_engine
from audit.delivery_schema import alert_deliveries, delivery_attempts
from audit.migrate import upgrade

NOW = datetime(2026, 7, 10, 15, 0, tzinfo=UTC)
POLICY = RetryPolicy(max_attempts=5, base_delay=timedelta(seconds=30), max_delay=timedelta(hours=1))
S = timedelta(seconds=1)


class Recorder:
    """A channel that fails with the given errors first, then records what it delivers."""

    def __init__(self, name: str, *failures: Exception) -> None:
        self.name = name
        self.sent: list[AlertMessage] = []
        self._failures = list(failures)

    def send(self, alert: AlertMessage) -> None:
        if self._failures:
            raise self._failures.pop(0)
        self.sent.append(alert)


def down(times: int = 100) -> list[Exception]:
    return [DeliveryFailed("HTTP 503", retryable=True)] * times


def alert(alert_id: str | None = None) -> AlertMessage:
    return AlertMessage(
        alert_id=alert_id or f"al-{uuid.uuid4().hex[:10]}",
        level="breached",
        case_id="C-1",
        rule="noe_ack",
        citation="12 CFR 1024.35(d)",
        clock_id="noe_ack:ev-9",
        due=date(2026, 7, 9),
        status="breached",
        recipients=("mgr-7",),
        routed_to=Route(manager_id="mgr-7", team="east"),
        created_at=NOW,
        text="noe_ack was due 2026-07-09",
    )


@pytest.fixture
def pg_engine(postgres_server_url: str) -> Iterator[Engine]:
    """A migrated PostgreSQL schema of its own, so no test sees another's deliveries."""
    yield from pg_schema_engine(postgres_server_url)


def pg_schema_engine(server_url: str) -> Iterator[Engine]:
    schema = f"notify_{uuid.uuid4().hex[:10]}"
    admin = make_engine(server_url)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine = make_engine(str(make_url(server_url).update_query_dict({"options": f"-csearch_path={schema}"})))
    upgrade(engine)
    try:
        yield engine
    finally:
        engine.dispose()
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    if request.param == "postgres":
        yield request.getfixturevalue("pg_engine")
        return
    engine = make_engine(f"sqlite:///{tmp_path / 'deliveries.db'}")
    upgrade(engine)
    yield engine
    engine.dispose()


def states(store: Engine, message: AlertMessage) -> dict[str, tuple[str, int]]:
    return {d.channel: (d.state, d.attempts) for d in deliveries.deliveries(store, alert_id=message.alert_id)}


def log_lines(store: Engine, message: AlertMessage, channel: str) -> list[tuple[int, str]]:
    return [
        (a.attempt, a.outcome) for a in deliveries.attempts(store, alert_id=message.alert_id) if a.channel == channel
    ]


def test_every_channel_delivers_on_the_first_attempt(store: Engine) -> None:
    message, log, mail = alert(), Recorder("log"), Recorder("email")
    results = deliver(message, [log, mail], store=store, now=NOW, policy=POLICY)
    assert {(r.channel, r.attempt, r.result) for r in results} == {("log", 1, "delivered"), ("email", 1, "delivered")}
    assert log.sent == mail.sent == [message]
    assert states(store, message) == {"email": ("delivered", 1), "log": ("delivered", 1)}
    assert log_lines(store, message, "log") == [(1, "delivered")]


def test_raising_the_same_alert_twice_sends_it_once(store: Engine) -> None:
    message, log = alert(), Recorder("log")
    deliver(message, [log], store=store, now=NOW, policy=POLICY)
    assert deliver(message, [log], store=store, now=NOW + S, policy=POLICY) == []
    assert len(log.sent) == 1


def test_a_failing_channel_does_not_block_the_others(store: Engine) -> None:
    message, hook, log = alert(), Recorder("webhook", *down()), Recorder("log")
    results = {r.channel: r for r in deliver(message, [hook, log], store=store, now=NOW, policy=POLICY)}
    assert results["log"].result == "delivered" and log.sent == [message]
    assert results["webhook"].result == "retry_scheduled"
    assert results["webhook"].next_attempt_at == NOW + 30 * S
    (pending,) = deliveries.deliveries(store, alert_id=message.alert_id, state="pending")
    assert (pending.channel, pending.next_attempt_at, pending.last_error) == ("webhook", NOW + 30 * S, "HTTP 503")


def test_an_unexpected_exception_is_contained_and_its_text_not_stored(store: Engine) -> None:
    message = alert()
    broken, log = Recorder("webhook", RuntimeError("smtp://user:hunter2@host refused")), Recorder("log")
    results = {r.channel: r.result for r in deliver(message, [broken, log], store=store, now=NOW, policy=POLICY)}
    assert results == {"webhook": "retry_scheduled", "log": "delivered"}
    (failed,) = deliveries.deliveries(store, alert_id=message.alert_id, state="pending")
    assert failed.last_error == "unexpected error (RuntimeError)"
    assert all("hunter2" not in (a.error or "") for a in deliveries.attempts(store, alert_id=message.alert_id))


def test_retries_back_off_then_deliver(store: Engine) -> None:
    message, hook = alert(), Recorder("webhook", *down(2))
    deliver(message, [hook], store=store, now=NOW, policy=POLICY)
    assert retry_due([hook], store=store, now=NOW + 29 * S, policy=POLICY) == []  # not due yet
    (second,) = retry_due([hook], store=store, now=NOW + 30 * S, policy=POLICY)
    assert (second.attempt, second.result, second.next_attempt_at) == (2, "retry_scheduled", NOW + 90 * S)
    (third,) = retry_due([hook], store=store, now=NOW + 90 * S, policy=POLICY)
    assert (third.attempt, third.result) == (3, "delivered")
    assert hook.sent == [message]
    assert states(store, message) == {"webhook": ("delivered", 3)}
    assert log_lines(store, message, "webhook") == [(1, "retry_scheduled"), (2, "retry_scheduled"), (3, "delivered")]


def test_after_max_attempts_the_delivery_is_dead_lettered(store: Engine) -> None:
    message, hook = alert(), Recorder("webhook", *down())
    results = deliver(message, [hook], store=store, now=NOW, policy=POLICY)
    moments = [NOW]
    while results:
        moments.append(results[0].next_attempt_at or moments[-1])
        results = [
            r for r in retry_due([hook], store=store, now=moments[-1], policy=POLICY) if r.alert_id == message.alert_id
        ]
        if results and results[0].result == "dead_letter":
            break
    assert [m - NOW for m in moments] == [0 * S, 30 * S, 90 * S, 210 * S, 450 * S]
    assert states(store, message) == {"webhook": ("dead_letter", 5)}
    assert [outcome for _n, outcome in log_lines(store, message, "webhook")] == ["retry_scheduled"] * 4 + [
        "dead_letter"
    ]
    assert retry_due([hook], store=store, now=NOW + timedelta(days=30), policy=POLICY) == []


def test_a_permanent_failure_is_not_retried(store: Engine) -> None:
    message, hook = alert(), Recorder("webhook", DeliveryFailed("HTTP 400", retryable=False))
    (result,) = deliver(message, [hook], store=store, now=NOW, policy=POLICY)
    assert (result.result, result.error) == ("dead_letter", "HTTP 400")
    assert states(store, message) == {"webhook": ("dead_letter", 1)}
    assert retry_due([hook], store=store, now=NOW + timedelta(days=1), policy=POLICY) == []


def test_enqueued_alerts_are_sent_by_the_next_pass(store: Engine) -> None:
    message, log = alert(), Recorder("log")
    with store.begin() as conn:  # the scan's own transaction
        enqueue(conn, [message], [log], now=NOW)
    enqueue(store, [message], [log], now=NOW)  # a re-run of the scan adds nothing
    assert log.sent == []
    sent = [r for r in retry_due([log], store=store, now=NOW, policy=POLICY) if r.alert_id == message.alert_id]
    assert [(r.attempt, r.result) for r in sent] == [(1, "delivered")]
    assert log.sent == [message]


def test_the_retry_pass_rebuilds_the_message_from_the_stored_body(store: Engine) -> None:
    message, first, later = alert(), Recorder("webhook", *down(1)), Recorder("webhook")
    deliver(message, [first], store=store, now=NOW, policy=POLICY)
    retry_due([later], store=store, now=NOW + 30 * S, policy=POLICY)
    assert later.sent == [message]


def test_a_channel_missing_from_this_process_is_retried_later(store: Engine) -> None:
    message = alert()
    deliver(message, [Recorder("webhook", *down(1))], store=store, now=NOW, policy=POLICY)
    (result,) = [
        r for r in retry_due([], store=store, now=NOW + 30 * S, policy=POLICY) if r.alert_id == message.alert_id
    ]
    assert (result.result, result.error) == ("retry_scheduled", CHANNEL_MISSING)


def test_a_send_lost_with_its_process_is_retried_after_the_lease(store: Engine) -> None:
    message, log = alert(), Recorder("log")
    # The process claims attempt 1, then dies before recording an outcome.
    deliveries.enqueue_claimed(
        store, [(message.alert_id, message.to_body().decode())], channels=["log"], now=NOW, lease=POLICY.lease
    )
    assert retry_due([log], store=store, now=NOW + POLICY.lease - S, policy=POLICY) == []
    retry_due([log], store=store, now=NOW + POLICY.lease, policy=POLICY)
    assert log.sent == [message]
    assert log_lines(store, message, "log") == [(1, "lease_expired"), (2, "delivered")]


def test_a_lost_final_attempt_is_dead_lettered_without_sending(store: Engine) -> None:
    message, log, policy = alert(), Recorder("log"), replace(POLICY, max_attempts=1)
    deliveries.enqueue_claimed(store, [(message.alert_id, "{}")], channels=["log"], now=NOW, lease=policy.lease)
    retry_due([log], store=store, now=NOW + policy.lease, policy=policy)
    assert log.sent == []
    assert states(store, message) == {"log": ("dead_letter", 1)}
    assert log_lines(store, message, "log") == [(1, "lease_expired")]


def test_a_late_outcome_does_not_override_the_process_that_took_over(store: Engine) -> None:
    message = alert()
    body = [(message.alert_id, message.to_body().decode())]
    (stale,) = deliveries.enqueue_claimed(store, body, channels=["log"], now=NOW, lease=POLICY.lease)
    later = NOW + POLICY.lease
    (current,) = [
        c
        for c in deliveries.claim_due(store, now=later, lease=POLICY.lease, max_attempts=5)
        if c.alert_id == message.alert_id
    ]
    deliveries.record_outcomes(store, [deliveries.Outcome(stale, "delivered")], now=later)
    assert states(store, message) == {"log": ("pending", 2)}
    deliveries.record_outcomes(store, [deliveries.Outcome(current, "delivered")], now=later)
    assert states(store, message) == {"log": ("delivered", 2)}
    assert log_lines(store, message, "log") == [(1, "lease_expired"), (1, "delivered"), (2, "delivered")]


def test_claims_not_reached_within_half_the_lease_are_released(store: Engine) -> None:
    messages, log = [alert() for _ in range(3)], Recorder("log")
    bodies = [(m.alert_id, m.to_body().decode()) for m in messages]
    claims = deliveries.enqueue_claimed(store, bodies, channels=["log"], now=NOW, lease=POLICY.lease)
    ticks = itertools.count(0.0, POLICY.lease.total_seconds())  # each reading jumps a whole lease
    results = _attempt_all(claims, [log], store=store, now=NOW, policy=POLICY, known={}, monotonic=lambda: next(ticks))
    assert len(results) == len(log.sent) == 1
    released = [d for m in messages for d in deliveries.deliveries(store, alert_id=m.alert_id) if d.state == "pending"]
    assert [(d.attempts, d.next_attempt_at) for d in released] == [(0, NOW), (0, NOW)]


def test_held_deliveries_are_sent_once_after_commit_and_not_when_their_lease_is_half_gone(store: Engine) -> None:
    fresh, stale, log = [alert() for _ in range(2)], [alert() for _ in range(2)], Recorder("log")
    with store.begin() as conn:  # the transaction that raises the alerts
        claims = hold(conn, fresh + stale, [log], now=NOW, policy=POLICY, token="tok-1")
    assert {(d.state, d.attempts) for d in deliveries.deliveries(store)} == {("pending", 1)}  # leased, not due
    with store.begin() as conn:  # raised again (it cannot be, but if it were): nothing new is held
        assert hold(conn, fresh, [log], now=NOW, policy=POLICY, token="tok-2") == []
    assert retry_due([log], store=store, now=NOW + POLICY.lease - S, policy=POLICY) == []
    known = {m.alert_id: m for m in fresh + stale}
    sent = send_held(claims[:2], [log], store=store, now=NOW, policy=POLICY, known=known, held_since=time.monotonic())
    assert [r.result for r in sent] == ["delivered"] * 2
    assert [m.alert_id for m in log.sent] == [m.alert_id for m in fresh]
    long_ago = time.monotonic() - POLICY.lease.total_seconds()  # another process may take them over any moment
    assert send_held(claims[2:], [log], store=store, now=NOW, policy=POLICY, known=known, held_since=long_ago) == []
    assert len(log.sent) == 2
    assert {m.alert_id: states(store, m) for m in stale} == {m.alert_id: {"log": ("pending", 0)} for m in stale}
    retry_due([log], store=store, now=NOW, policy=POLICY)  # given back: due at once, sent once
    assert sorted(m.alert_id for m in log.sent) == sorted(m.alert_id for m in fresh + stale)


def test_a_batch_is_claimed_and_recorded_together(store: Engine) -> None:
    messages, log = [alert() for _ in range(20)], Recorder("log")
    results = deliver_many(messages, [log], store=store, now=NOW, policy=POLICY)
    assert sorted(r.alert_id for r in results) == sorted(m.alert_id for m in messages)
    assert {m.alert_id for m in log.sent} == {m.alert_id for m in messages}


def test_the_delivery_log_is_append_only(store: Engine) -> None:
    message = alert()
    deliver(message, [Recorder("log")], store=store, now=NOW, policy=POLICY)
    statements = [
        "UPDATE delivery_attempts SET outcome = 'x' WHERE alert_id = :a",
        "DELETE FROM delivery_attempts WHERE alert_id = :a",
    ]
    if store.dialect.name == "postgresql":
        statements.append("TRUNCATE delivery_attempts")
    for statement in statements:
        with pytest.raises(DBAPIError, match="append-only"), store.begin() as conn:
            conn.execute(text(statement), {"a": message.alert_id})


def test_the_migration_creates_the_tables_of_delivery_schema(store: Engine) -> None:
    inspector = inspect(store)
    for table in (alert_deliveries, delivery_attempts):
        assert {c["name"] for c in inspector.get_columns(table.name)} == set(table.c.keys())
        assert {i["name"] for i in inspector.get_indexes(table.name)} >= {i.name for i in table.indexes}
    assert inspector.get_pk_constraint("alert_deliveries")["constrained_columns"] == ["alert_id", "channel"]

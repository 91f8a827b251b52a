"""Concurrent claiming: SKIP LOCKED on PostgreSQL, the write lock on SQLite; each delivery sent once."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from api.notify import AlertMessage, enqueue, retry_due
from audit import deliveries
from audit.database import make_engine
from audit.migrate import upgrade
from tests.api.test_notify_delivery import NOW, POLICY, Recorder, alert, pg_schema_engine

LEASE = timedelta(minutes=5)


@pytest.fixture
def pg(postgres_server_url: str) -> Iterator[Engine]:
    yield from pg_schema_engine(postgres_server_url)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    if request.param == "postgres":
        yield request.getfixturevalue("pg")
        return
    engine = make_engine(f"sqlite:///{tmp_path / 'deliveries.db'}")
    upgrade(engine)
    yield engine
    engine.dispose()


def enqueued(store: Engine, count: int) -> list[AlertMessage]:
    messages = [alert(f"al-{n:03}") for n in range(count)]
    enqueue(store, messages, [Recorder("log")], now=NOW)
    return messages


@pytest.mark.postgres
def test_a_second_claimer_skips_rows_locked_by_the_first(pg: Engine) -> None:
    enqueued(pg, 4)
    with pg.connect() as first, pg.connect() as second:
        first.begin()
        mine = deliveries.claim_due(first, now=NOW, lease=LEASE, max_attempts=5, limit=2)
        # Without SKIP LOCKED this would wait for `first`; the lock timeout turns a wait into a failure.
        second.execute(text("SET lock_timeout = '2s'"))  # opens second's transaction; claim_due joins it
        theirs = deliveries.claim_due(second, now=NOW, lease=LEASE, max_attempts=5, limit=10)
        first.commit()
        second.commit()
    assert len(mine) == 2
    assert {c.alert_id for c in mine}.isdisjoint(c.alert_id for c in theirs)
    assert {c.alert_id for c in mine + theirs} == {f"al-{n:03}" for n in range(4)}
    assert deliveries.claim_due(pg, now=NOW, lease=LEASE, max_attempts=5) == []  # all leased


@pytest.mark.postgres
def test_rows_of_a_rolled_back_claim_are_claimable_again(pg: Engine) -> None:
    enqueued(pg, 2)
    with pg.connect() as conn:
        conn.begin()
        assert len(deliveries.claim_due(conn, now=NOW, lease=LEASE, max_attempts=5)) == 2
        conn.rollback()
    again = deliveries.claim_due(pg, now=NOW, lease=LEASE, max_attempts=5)
    assert [(c.alert_id, c.attempt) for c in again] == [("al-000", 1), ("al-001", 1)]


def test_two_schedulers_send_each_delivery_exactly_once(store: Engine) -> None:
    messages = enqueued(store, 60)
    channels = [Recorder("log"), Recorder("log")]  # one per scheduler "process"
    start = threading.Barrier(2)
    errors: list[BaseException] = []

    def scheduler(channel: Recorder) -> None:
        try:
            start.wait()
            while retry_due([channel], store=store, now=NOW, policy=POLICY, limit=3):
                pass
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=scheduler, args=(channel,)) for channel in channels]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    sent = Counter(m.alert_id for channel in channels for m in channel.sent)
    assert sent == Counter({m.alert_id: 1 for m in messages})
    assert {d.state for d in deliveries.deliveries(store)} == {"delivered"}

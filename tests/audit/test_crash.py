"""Crash: a writer killed with SIGKILL mid-stream loses no acknowledged event and leaves nothing partial."""

from __future__ import annotations

import multiprocessing
import os
import signal
from datetime import UTC, datetime
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import Engine, text

from audit.database import make_engine
from audit.reads import case_events, events_after, read_head
from audit.signing import public_key_pem
from audit.store import Actor, append
from audit.verify import verify_log

pytestmark = pytest.mark.slow

NOW = datetime(2026, 7, 10, 15, 0, tzinfo=UTC)
CASES = ("C-0", "C-1", "C-2")
ACTOR = Actor("crash-writer", "specialist")


def _writer(url: str, acks: Any) -> None:
    """Child process: append forever, sending each acknowledged event down the pipe as soon as append returns."""
    engine = make_engine(url)
    number = 0
    while True:
        case_id = CASES[number % len(CASES)]
        batch = [{"type": "application_received", "occurred_at": "2026-07-02",
                  "data": {"application_id": f"A{number}"}} for _ in range(1 + number % 3)]
        result = append(engine, case_id, batch, expected_version=None, actor=ACTOR, now=NOW)
        acks.send([(e.id, e.case_id, e.version, e.position) for e in result.events])
        number += 1


def _kill_after(url: str, count: int) -> list[tuple[str, str, int, int]]:
    """Run a writer, SIGKILL it after `count` acknowledged appends; every acknowledgement it sent."""
    context = multiprocessing.get_context("spawn")
    receiver, sender = context.Pipe(duplex=False)
    process = context.Process(target=_writer, args=(url, sender))
    process.start()
    sender.close()
    acked: list[tuple[str, str, int, int]] = []
    for _ in range(count):
        acked += receiver.recv()
    os.kill(process.pid, signal.SIGKILL)  # type: ignore[arg-type]
    process.join(timeout=30)
    while receiver.poll(0.2):
        try:
            acked += receiver.recv()
        except EOFError:
            break
    return acked


def _assert_log_whole(engine: Engine) -> None:
    log = events_after(engine, 0, limit=100_000)
    assert [e.position for e in log] == list(range(1, len(log) + 1))
    for case_id in CASES:
        versions = [e.version for e in case_events(engine, case_id)]
        assert versions == list(range(1, len(versions) + 1))
    head = read_head(engine)
    assert (head.position, head.hash) == (log[-1].position, log[-1].hash)
    report = verify_log(engine, public_key_pem(Ed25519PrivateKey.generate()))
    assert report.ok, report.summary()


def test_acknowledged_events_survive_sigkill(store_url: str, store_engine: Engine) -> None:
    opener = {"type": "case_opened", "occurred_at": "2026-07-01",
              "data": {"loan_id": "L", "borrower_ref": "B", "property_state": "NY"}}
    for case_id in CASES:
        append(store_engine, case_id, [opener], expected_version=0, actor=ACTOR, now=NOW)
    acked = []
    for count in (15, 40, 25):  # three crashes, each after a different number of acknowledged appends
        acked += _kill_after(store_url, count)
        store_engine.dispose()  # "restart": forget every pooled connection of the previous life
        _assert_log_whole(store_engine)
    stored = {(e.id, e.case_id, e.version, e.position) for e in events_after(store_engine, 0, limit=100_000)}
    assert set(acked) <= stored
    after = append(store_engine, "C-0", [opener | {"type": "note_added", "data": {"text": "back up"}}],
                   expected_version=None, actor=ACTOR, now=NOW)
    assert after.position == read_head(store_engine).position == len(stored) + 1
    if store_engine.dialect.name == "sqlite":
        with store_engine.connect() as conn:
            assert conn.execute(text("PRAGMA integrity_check")).scalar_one() == "ok"

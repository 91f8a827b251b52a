"""Concurrency: 8 OS processes append to a shared case and to their own cases while a reader follows positions."""

from __future__ import annotations

import multiprocessing
import threading
from datetime import UTC, datetime
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import Engine

from audit.database import make_engine
from audit.errors import ConcurrencyConflict
from audit.reads import case_events, case_version, events_after
from audit.signing import public_key_pem
from audit.store import Actor, append
from audit.verify import verify_log

pytestmark = pytest.mark.slow

NOW = datetime(2026, 7, 10, 15, 0, tzinfo=UTC)
WORKERS = 8
APPENDS = 12  # per worker, alternating between the shared case and the worker's own case
SHARED = "C-shared"
MAX_TRIES = 500


def _opened() -> dict[str, Any]:
    return {"type": "case_opened", "occurred_at": "2026-07-01",
            "data": {"loan_id": "L", "borrower_ref": "B", "property_state": "NY"}}


def _append_with_retry(engine: Engine, case_id: str, application_id: str, actor: Actor) -> tuple[str, int, int]:
    """Optimistic concurrency as a client does it: read the version, append expecting it, retry on conflict."""
    event = {"type": "application_received", "occurred_at": "2026-07-02", "data": {"application_id": application_id}}
    for _ in range(MAX_TRIES):
        try:
            result = append(engine, case_id, [event], expected_version=case_version(engine, case_id),
                             actor=actor, now=NOW)
        except ConcurrencyConflict:
            continue
        return application_id, result.version, result.position
    raise AssertionError(f"{application_id}: no append after {MAX_TRIES} tries")


def _writer(url: str, worker: int, start: Any, results: Any) -> None:
    """Child process: APPENDS acknowledged appends, reported as (case, application id, version, position)."""
    engine = make_engine(url)
    actor = Actor(f"worker-{worker}", "specialist")
    start.wait()
    acks = []
    for number in range(APPENDS):
        case_id = SHARED if number % 2 == 0 else f"C-own-{worker}"
        acks.append((case_id, *_append_with_retry(engine, case_id, f"A{worker}-{number}", actor)))
    engine.dispose()
    results.put(acks)


def _follow(engine: Engine, writers_done: threading.Event, seen: list[int]) -> None:
    """A position-following reader: asks only for events after the last position it saw."""
    last = 0
    while True:
        finished = writers_done.is_set()  # read before the poll: a final empty poll then proves nothing is left
        page = events_after(engine, last, limit=7)
        seen.extend(e.position for e in page)
        last = page[-1].position if page else last
        if finished and not page:
            return


def _run_writers(store_url: str, store_engine: Engine) -> tuple[list[Any], list[int]]:
    context = multiprocessing.get_context("spawn")
    start, results = context.Event(), context.Queue()
    processes = [context.Process(target=_writer, args=(store_url, n, start, results)) for n in range(WORKERS)]
    for process in processes:
        process.start()
    writers_done, seen = threading.Event(), list[int]()
    reader = threading.Thread(target=_follow, args=(store_engine, writers_done, seen))
    reader.start()
    start.set()
    acks = [ack for _ in processes for ack in results.get(timeout=300)]
    for process in processes:
        process.join(timeout=60)
    writers_done.set()
    reader.join(timeout=60)
    assert all(p.exitcode == 0 for p in processes)
    return acks, seen


def test_eight_processes_lose_duplicate_and_skip_nothing(store_url: str, store_engine: Engine) -> None:
    opener = Actor("opener", "specialist")
    for case_id in [SHARED, *(f"C-own-{n}" for n in range(WORKERS))]:
        append(store_engine, case_id, [_opened()], expected_version=0, actor=opener, now=NOW)
    acks, seen = _run_writers(store_url, store_engine)

    assert len(acks) == WORKERS * APPENDS
    log = events_after(store_engine, 0, limit=10_000)
    total = WORKERS + 1 + WORKERS * APPENDS
    assert [e.position for e in log] == list(range(1, total + 1))  # gapless, strictly increasing
    stored = {(e.case_id, e.data.get("application_id"), e.version, e.position) for e in log}
    assert set(acks) <= stored  # every acknowledged append is there, exactly as acknowledged
    for case_id in [SHARED, *(f"C-own-{n}" for n in range(WORKERS))]:
        versions = [e.version for e in case_events(store_engine, case_id)]
        assert versions == list(range(1, len(versions) + 1))
    assert len(case_events(store_engine, SHARED)) == 1 + WORKERS * APPENDS // 2
    assert seen == list(range(1, total + 1))  # the reader saw every event exactly once, none skipped
    report = verify_log(store_engine, public_key_pem(Ed25519PrivateKey.generate()))
    assert report.ok, report.summary()

"""Group commit: appends from many threads share one durable transaction (one fsync), each with its own outcome.

A writer thread takes the requests queued while the previous commit was flushing (waiting, at most about as
long as a commit takes, for the writers of the last group to come back) and appends them in one
transaction (audit.append_batch: each request is checked on its own in memory, then all rows are written by
a few statements), so a refused request writes nothing and does not disturb the others. Futures are resolved
only after COMMIT has returned: no event is acknowledged before it is durable. If a statement fails
mid-group, the group is rolled back and its requests are retried one by one; if COMMIT itself fails, every
request of the group gets that error (its outcome is unknown, so nothing is retried).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping, Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import structlog
from sqlalchemy import Engine

from audit.append_batch import AppendBatch
from audit.database import driver_transaction
from audit.errors import EventRejected, StoreError
from audit.store import Actor, AppendPolicy, AppendRequest, AppendResult, append_request

log = structlog.get_logger()
DEFAULT_MAX_GROUP = 256
# Waiting for the writers of the last group to come back costs nothing when they come, and a missing one
# costs at most one wait; so the wait is as long as a commit takes (it saves one per writer gathered),
# measured as the committer goes (PostgreSQL's commit_delay with the fsync time as its bound), within:
MIN_WAIT, MAX_WAIT = 0.0002, 0.005  # seconds


class _Waiter:
    """What append() blocks on: a Future's job for one waiting thread, with a bare lock (a fifth of the cost)."""

    __slots__ = ("_done", "_error", "_result")

    def __init__(self) -> None:
        self._done = threading.Lock()
        self._done.acquire()  # released once, by the writer thread, when the outcome is known
        self._result: AppendResult | None = None
        self._error: BaseException | None = None

    def set_result(self, result: AppendResult) -> None:
        self._result = result
        self._done.release()

    def set_exception(self, error: BaseException) -> None:
        self._error = error
        self._done.release()

    def result(self) -> AppendResult:
        self._done.acquire()
        if self._error is not None:
            raise self._error
        assert self._result is not None  # noqa: S101 - set before the lock was released
        return self._result


@dataclass(frozen=True)
class _Pending:
    request: AppendRequest
    future: Future[AppendResult] | _Waiter


class _CommitFailed(Exception):
    """COMMIT itself failed: the outcome of the whole group is unknown, so nothing is retried."""


class GroupCommitter:
    """Batches concurrent appends into shared durable commits; use as a context manager (or start/close)."""

    def __init__(
        self,
        engine: Engine,
        *,
        policy: AppendPolicy | None = None,
        max_group: int = DEFAULT_MAX_GROUP,
        max_wait: float | None = None,
    ) -> None:
        self._engine = engine
        self._policy = policy or AppendPolicy()
        self._max_group = max_group
        self._max_wait = max_wait  # seconds; None: as long as a commit takes (see MIN_WAIT, MAX_WAIT)
        self._commit_seconds = MIN_WAIT  # moving average of a group's transaction, COMMIT included
        self._expected = 1  # writers expected in the next group: those just acknowledged + those waiting
        self._pending: list[_Pending] = []
        # Guards _pending, _wake_at and _closed. The writer thread sleeps until _wake_at requests are queued
        # (or its wait runs out): one wake-up per group, not one per request.
        self._ready = threading.Condition(threading.Lock())
        self._wake_at = 1
        self._thread: threading.Thread | None = None
        self._closed = False
        self.commits = 0  # durable transactions so far (for the benchmark: appends / commits = group size)
        self.appends = 0

    def __enter__(self) -> GroupCommitter:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def start(self) -> GroupCommitter:
        """Start the writer thread."""
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="group-commit", daemon=True)
            self._thread.start()
        return self

    def close(self) -> None:
        """Commit what is queued, then stop the writer thread; later submissions are refused."""
        with self._ready:
            self._closed = True
            self._ready.notify()
        if self._thread is not None:
            self._thread.join()
            self._thread = None

    def submit(self, request: AppendRequest) -> Future[AppendResult]:
        """Queue one append; the future resolves once its group is durable (or holds its refusal)."""
        future: Future[AppendResult] = Future()
        self._enqueue(_Pending(request, future))
        return future

    def append(
        self,
        case_id: str,
        events: Sequence[Mapping[str, Any]],
        *,
        expected_version: int | None,
        actor: Actor,
        now: datetime,
        idempotency_key: str | None = None,
    ) -> AppendResult:
        """Same contract as audit.store.append, through a shared commit; blocks until durable."""
        request = AppendRequest(case_id, tuple(events), expected_version, actor, now, idempotency_key)
        waiter = _Waiter()
        self._enqueue(_Pending(request, waiter))
        return waiter.result()

    def commit_pending(self) -> int:
        """Commit everything queued now as one group, in the calling thread (when no thread is started)."""
        if self._thread is not None:
            raise RuntimeError("the writer thread is running; it commits the queue itself")
        with self._ready:
            group, self._pending = self._pending, []
        if group:
            self._commit(group)
        return len(group)

    def _enqueue(self, pending: _Pending) -> None:
        with self._ready:  # nothing may be queued once closed, where it would never run
            if self._closed:
                raise RuntimeError("the group committer is closed")
            self._pending.append(pending)
            if len(self._pending) >= self._wake_at:
                self._ready.notify()

    def _run(self) -> None:
        while (group := self._next_group()) is not None:
            self._commit(group)

    def _next_group(self) -> list[_Pending] | None:
        """Wait until the writers of the last group are back, or the wait runs out; None once closed and empty.

        Without the wait, writers settle into two alternating half-groups: those acknowledged by one commit
        come back while the next one is already flushing (PostgreSQL's commit_delay answers the same).
        A lone writer is never kept waiting (one expected).
        """
        wait = self._max_wait if self._max_wait is not None else min(max(self._commit_seconds, MIN_WAIT), MAX_WAIT)
        deadline = time.monotonic() + wait
        with self._ready:
            self._wake_at = self._expected
            while len(self._pending) < self._wake_at and not self._closed:
                remaining = deadline - time.monotonic()
                if remaining <= 0 < len(self._pending):
                    break
                if remaining <= 0:
                    self._wake_at = 1  # nobody came in time: the next one starts a group
                self._ready.wait(remaining if remaining > 0 else None)
            self._wake_at = self._max_group + 1  # no wake-ups while this group is written
            if not self._pending:
                return None  # closed, nothing left
            group, self._pending = self._pending[: self._max_group], self._pending[self._max_group :]
            return group

    def _commit(self, group: list[_Pending]) -> None:
        outcomes: list[AppendResult | BaseException]
        try:
            outcomes = list(self._write(group))
        except _CommitFailed as failed:
            outcomes = [failed.__cause__ or failed] * len(group)
        except Exception:  # noqa: BLE001 - any statement failure: nothing was written, retry one by one
            log.warning("group_commit_retried_singly", size=len(group))
            outcomes = [self._alone(p.request) for p in group]
        # Counted before the futures wake their writers: whoever is queued now came during the commit.
        self._expected = min(self._max_group, len(group) + len(self._pending))
        for pending, outcome in zip(group, outcomes, strict=True):
            if isinstance(outcome, BaseException):
                pending.future.set_exception(outcome)
            else:
                pending.future.set_result(outcome)

    def _write(self, group: list[_Pending]) -> list[AppendResult | Exception]:
        body_done, started = False, time.monotonic()
        try:
            with driver_transaction(self._engine, full_connection=self._policy.on_appended is not None) as conn:
                requests = [p.request for p in group]
                batch = AppendBatch(conn, requests, policy=self._policy)
                outcomes: list[AppendResult | Exception] = []
                for request in requests:
                    try:
                        outcomes.append(batch.add(request))
                    except (StoreError, EventRejected) as refusal:
                        outcomes.append(refusal)
                batch.write()
                body_done = True
        except Exception as exc:
            if body_done:
                raise _CommitFailed("commit failed") from exc
            raise
        self.commits += 1
        self.appends += len(group)
        self._commit_seconds += (time.monotonic() - started - self._commit_seconds) / 8
        return outcomes

    def _alone(self, request: AppendRequest) -> AppendResult | Exception:
        try:
            return append_request(self._engine, request, policy=self._policy)
        except Exception as exc:  # noqa: BLE001 - handed to the caller through its future
            return exc

"""Group commit: appends from many threads share one durable transaction (one fsync), each with its own outcome.

A writer thread takes every request queued while the previous commit was flushing and appends them in one
transaction (audit.append_batch: each request is checked on its own in memory, then all rows are written by
a few statements), so a refused request writes nothing and does not disturb the others. Futures are resolved
only after COMMIT has returned: no event is acknowledged before it is durable. If a statement fails
mid-group, the group is rolled back and its requests are retried one by one; if COMMIT itself fails, every
request of the group gets that error (its outcome is unknown, so nothing is retried).
"""

from __future__ import annotations

import queue
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
from audit.append_rows import lock_head
from audit.database import write_transaction
from audit.errors import EventRejected, StoreError
from audit.store import Actor, AppendPolicy, AppendRequest, AppendResult, append_request

log = structlog.get_logger()
DEFAULT_MAX_GROUP = 256
DEFAULT_MAX_WAIT = 0.0005  # seconds: well under one fsync, so a wait never costs more than a commit saves
_STOP = object()


@dataclass(frozen=True)
class _Pending:
    request: AppendRequest
    future: Future[AppendResult]


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
        max_wait: float = DEFAULT_MAX_WAIT,
    ) -> None:
        self._engine = engine
        self._policy = policy or AppendPolicy()
        self._max_group = max_group
        self._max_wait = max_wait  # seconds
        self._expected = 1  # writers expected in the next group: those just acknowledged + those waiting
        self._queue: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._closed = False
        self._accepting = threading.Lock()
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
        with self._accepting:
            self._closed = True
            if self._thread is not None:
                self._queue.put(_STOP)
        if self._thread is not None:
            self._thread.join()
            self._thread = None

    def submit(self, request: AppendRequest) -> Future[AppendResult]:
        """Queue one append; the future resolves once its group is durable (or holds its refusal)."""
        future: Future[AppendResult] = Future()
        with self._accepting:  # nothing may be queued behind the stop signal, where it would never run
            if self._closed:
                raise RuntimeError("the group committer is closed")
            self._queue.put(_Pending(request, future))
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
        return self.submit(request).result()

    def commit_pending(self) -> int:
        """Commit everything queued now as one group, in the calling thread (when no thread is started)."""
        if self._thread is not None:
            raise RuntimeError("the writer thread is running; it commits the queue itself")
        group = self._take(limit=None)
        if group:
            self._commit(group)
        return len(group)

    def _run(self) -> None:
        stopping = False
        while not stopping:
            first = self._queue.get()
            group = [] if first is _STOP else [first]
            stopping = first is _STOP
            if not stopping:
                more = self._gather(want=self._expected - 1)
                stopping = _STOP in more
                group += [p for p in more if p is not _STOP]
            if group:
                self._commit(group)

    def _gather(self, *, want: int) -> list[Any]:
        """Take what is queued; wait up to max_wait until `want` more have come (PostgreSQL's commit_delay).

        Without the wait, writers settle into two alternating half-groups: those acknowledged by one commit
        come back while the next one is already flushing. A lone writer is never kept waiting (want is 0).
        """
        taken = self._take(limit=self._max_group - 1)
        deadline = time.monotonic() + self._max_wait
        while len(taken) < min(want, self._max_group - 1) and _STOP not in taken:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            try:
                taken.append(self._queue.get(timeout=remaining))
            except queue.Empty:
                break
        return taken

    def _take(self, *, limit: int | None) -> list[Any]:
        taken: list[Any] = []
        while limit is None or len(taken) < limit:
            try:
                taken.append(self._queue.get_nowait())
            except queue.Empty:
                break
        return taken

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
        self._expected = min(self._max_group, len(group) + self._queue.qsize())
        for pending, outcome in zip(group, outcomes, strict=True):
            if isinstance(outcome, BaseException):
                pending.future.set_exception(outcome)
            else:
                pending.future.set_result(outcome)

    def _write(self, group: list[_Pending]) -> list[AppendResult | Exception]:
        body_done = False
        try:
            with write_transaction(self._engine) as conn:
                requests = [p.request for p in group]
                batch = AppendBatch(conn, requests, head=lock_head(conn), policy=self._policy)
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
        return outcomes

    def _alone(self, request: AppendRequest) -> AppendResult | Exception:
        try:
            return append_request(self._engine, request, policy=self._policy)
        except Exception as exc:  # noqa: BLE001 - handed to the caller through its future
            return exc

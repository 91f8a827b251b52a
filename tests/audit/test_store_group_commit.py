"""Group commit: several requests share one durable transaction, each with its own outcome."""

from __future__ import annotations

import threading
from concurrent.futures import Future
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError

from audit.append_batch import AppendBatch
from audit.errors import CaseNotFound, ConcurrencyConflict, EventRejected
from audit.group_commit import GroupCommitter
from audit.reads import case_events, events_after, read_head
from audit.store import Actor, AppendRequest, AppendResult, append

NOW = datetime(2026, 7, 10, 15, 0, tzinfo=UTC)
ACTOR = Actor("u-1", "specialist")


def opened() -> dict[str, Any]:
    return {"type": "case_opened", "occurred_at": "2026-07-01",
            "data": {"loan_id": "L", "borrower_ref": "B", "property_state": "NY"}}


def received(application_id: str) -> dict[str, Any]:
    return {"type": "application_received", "occurred_at": "2026-07-02", "data": {"application_id": application_id}}


def request(case_id: str, *events: dict[str, Any], expected: int | None, key: str | None = None) -> AppendRequest:
    return AppendRequest(case_id, events, expected, ACTOR, NOW, key)


class TestGroupCommitContract:
    def test_one_commit_for_many_requests_each_with_its_own_outcome(self, store_engine: Engine) -> None:
        committer = GroupCommitter(store_engine)
        futures: list[Future[AppendResult]] = [
            committer.submit(request("C-1", opened(), expected=0)),
            committer.submit(request("C-1", received("A1"), expected=1, key="k")),
            committer.submit(request("C-1", received("A2"), expected=1)),  # stale: the one above won
            committer.submit(request("C-2", received("A1"), expected=None)),  # no such case
            committer.submit(request("C-1", {"type": "nope", "occurred_at": "2026-07-02"}, expected=None)),
            committer.submit(request("C-1", received("A1"), expected=1, key="k")),  # replay in the same group
            committer.submit(request("C-3", opened(), received("A9"), expected=0)),
        ]
        assert committer.commit_pending() == 7
        assert committer.commits == 1
        assert futures[0].result().version == 1 and futures[1].result().version == 2
        assert isinstance(futures[2].exception(), ConcurrencyConflict)
        assert isinstance(futures[3].exception(), CaseNotFound)
        assert isinstance(futures[4].exception(), EventRejected)
        assert futures[5].result().replayed and futures[5].result().events == futures[1].result().events
        assert [e.version for e in futures[6].result().events] == [1, 2]
        assert [e.position for e in events_after(store_engine, 0)] == [1, 2, 3, 4]
        assert read_head(store_engine).hash == futures[6].result().events[-1].hash

    def test_later_requests_of_a_group_see_the_ids_of_earlier_ones(self, store_engine: Engine) -> None:
        committer = GroupCommitter(store_engine)
        void = {"type": "entry_voided", "occurred_at": "2026-07-03", "data": {"voids": "e-1", "reason": "dup"}}
        futures = [
            committer.submit(request("C-1", opened(), {**received("A1"), "id": "e-1"}, expected=0)),
            committer.submit(request("C-2", opened(), void, expected=0)),  # e-1 is another case's event
            committer.submit(request("C-2", opened(), {**received("A1"), "id": "e-1"}, expected=0)),  # id taken
            committer.submit(request("C-1", void, expected=2)),
        ]
        committer.commit_pending()
        assert "belongs to another case" in str(futures[1].exception())
        assert "'e-1' is already used by another event" in str(futures[2].exception())
        assert futures[3].result().version == 3
        assert [e.type for e in case_events(store_engine, "C-1")][-1] == "entry_voided"
        assert case_events(store_engine, "C-2") == []

    def test_nothing_is_acknowledged_before_its_commit(self, store_engine: Engine) -> None:
        committer = GroupCommitter(store_engine)
        future = committer.submit(request("C-1", opened(), expected=0))
        assert not future.done() and case_events(store_engine, "C-1") == []
        committer.commit_pending()
        assert future.result().events == tuple(case_events(store_engine, "C-1"))

    def test_a_failing_statement_falls_back_to_one_transaction_per_request(
        self, store_engine: Engine, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        append(store_engine, "C-1", [opened()], expected_version=0, actor=ACTOR, now=NOW)
        real, failures = AppendBatch.add, list[AppendRequest]()

        def flaky(batch: AppendBatch, pending: AppendRequest) -> AppendResult:
            if pending.idempotency_key == "unlucky" and not failures:  # fails once: inside the group
                failures.append(pending)
                raise OperationalError("INSERT", {}, Exception("disk I/O error"))
            return real(batch, pending)

        monkeypatch.setattr(AppendBatch, "add", flaky)
        committer = GroupCommitter(store_engine)
        first = committer.submit(request("C-1", received("A1"), expected=1))
        unlucky = committer.submit(request("C-1", received("A2"), expected=2, key="unlucky"))
        stale = committer.submit(request("C-1", received("A3"), expected=1))
        committer.commit_pending()
        assert committer.commits == 0  # the group was rolled back; each request then ran alone
        assert (first.result().version, unlucky.result().version) == (2, 3)
        assert isinstance(stale.exception(), ConcurrencyConflict)
        assert [e.version for e in case_events(store_engine, "C-1")] == [1, 2, 3]

    def test_threads_share_commits_and_lose_nothing(self, store_engine: Engine) -> None:
        append(store_engine, "C-1", [opened()], expected_version=0, actor=ACTOR, now=NOW)
        results: list[AppendResult] = []
        with GroupCommitter(store_engine) as committer:

            def work(worker: int) -> None:
                for number in range(10):
                    events = [received(f"A{worker}-{number}")]
                    results.append(committer.append("C-1", events, expected_version=None, actor=ACTOR, now=NOW))

            threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
        assert sorted(r.version for r in results) == list(range(2, 82))
        assert [e.version for e in case_events(store_engine, "C-1")] == list(range(1, 82))
        assert committer.appends == 80 and committer.commits <= 80

    def test_closed_committer_refuses_work(self, store_engine: Engine) -> None:
        committer = GroupCommitter(store_engine).start()
        committer.close()
        with pytest.raises(RuntimeError, match="closed"):
            committer.submit(request("C-1", opened(), expected=0))

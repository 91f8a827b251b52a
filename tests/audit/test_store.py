"""Contract of the event store, run unchanged against SQLite and PostgreSQL (fixture store_engine)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, func, select, text
from sqlalchemy.exc import DBAPIError

from audit import append_batch
from audit.append_checks import CaseState
from audit.canonical import canonical_json, event_hash
from audit.database import write_transaction
from audit.errors import CaseNotFound, ConcurrencyConflict, EventRejected, IdempotencyConflict
from audit.migrate import current_revision, head_revision, is_up_to_date, upgrade
from audit.reads import (
    case_as_known_at,
    case_events,
    case_ids,
    case_version,
    events_after,
    read_head,
    to_case_events,
)
from audit.schema import GENESIS_HASH, events, idempotency_keys, log_head
from audit.store import Actor, AppendPolicy, append

NOW = datetime(2026, 7, 10, 15, 0, tzinfo=UTC)
SPECIALIST = Actor("u-17", "specialist")
SYSTEM = Actor("scanner", "system")


def opened(**data: Any) -> dict[str, Any]:
    fields = {"loan_id": "L-1", "borrower_ref": "B-1", "property_state": "NY", **data}
    return {"type": "case_opened", "occurred_at": "2026-07-01", "data": fields}


def received(application_id: str = "A1", *, on: str = "2026-07-02", **extra: Any) -> dict[str, Any]:
    return {"type": "application_received", "occurred_at": on, "data": {"application_id": application_id}, **extra}


def voided(target: str) -> dict[str, Any]:
    return {"type": "entry_voided", "occurred_at": "2026-07-03", "data": {"voids": target, "reason": "duplicate"}}


def corrected(target: str) -> dict[str, Any]:
    replacement = {"occurred_at": "2026-07-01", "data": {"application_id": "A1"}}
    data = {"corrects": target, "reason": "wrong date", "replacement": replacement}
    return {"type": "entry_corrected", "occurred_at": "2026-07-03", "data": data}


def contact(at: str) -> dict[str, Any]:
    data = {"channel": "phone", "direction": "outbound", "outcome": "live_contact", "party": "borrower",
            "staff_id": "u-17"}
    return {"type": "contact_logged", "occurred_at": at, "data": data}


def snapshot(engine: Engine) -> tuple[Any, ...]:
    """Everything an append may change: row counts and the log head."""
    with engine.connect() as conn:
        count = conn.scalar(select(func.count()).select_from(events))
        keys = conn.scalar(select(func.count()).select_from(idempotency_keys))
        head = tuple(conn.execute(select(log_head)).one())
    return count, keys, head


def open_case(engine: Engine, case_id: str = "C-1", *more: dict[str, Any], now: datetime = NOW) -> list[Any]:
    return list(append(engine, case_id, [opened(), *more], expected_version=0, actor=SPECIALIST, now=now).events)


class TestStoreContract:
    """Every test here runs on both backends: the store must behave identically."""

    def test_round_trip_keeps_every_envelope_field(self, store_engine: Engine) -> None:
        result = append(store_engine, "C-1", [opened(), received(id="e-1")], expected_version=0,
                        actor=SPECIALIST, now=NOW, idempotency_key="k-1")
        stored = case_events(store_engine, "C-1")
        assert list(result.events) == stored
        first, second = stored
        assert (first.version, first.position, second.version, second.position) == (1, 1, 2, 2)
        assert second.id == "e-1" and len(first.id) == 36
        assert second.to_json() == {
            "id": "e-1", "case_id": "C-1", "version": 2, "position": 2, "type": "application_received",
            "schema_version": 1, "occurred_at": "2026-07-02", "recorded_at": "2026-07-10T15:00:00.000000Z",
            "actor": {"id": "u-17", "role": "specialist"}, "data": {"application_id": "A1"},
            "idempotency_key": "k-1", "prev_hash": first.hash, "hash": second.hash,
        }
        assert first.data["timezone"] == "America/New_York"  # the default zone is written, not implied

    def test_hash_chain_links_every_event_to_the_one_before(self, store_engine: Engine) -> None:
        open_case(store_engine, "C-1", received())
        open_case(store_engine, "C-2")
        log = events_after(store_engine, 0)
        prev = GENESIS_HASH
        for stored in log:
            assert stored.prev_hash == prev
            assert stored.hash == event_hash(prev, stored.envelope())
            prev = stored.hash
        assert read_head(store_engine).hash == prev and read_head(store_engine).position == 3

    def test_data_column_holds_canonical_json(self, store_engine: Engine) -> None:
        open_case(store_engine)
        with store_engine.connect() as conn:
            raw = conn.scalar(select(events.c.data).where(events.c.version == 1))
        assert raw == canonical_json(case_events(store_engine, "C-1")[0].data)

    def test_versions_and_positions_continue_without_gaps(self, store_engine: Engine) -> None:
        open_case(store_engine, "C-1")
        open_case(store_engine, "C-2")
        for number in range(3):
            append(store_engine, "C-1", [received(f"A{number}")], expected_version=None, actor=SPECIALIST, now=NOW)
        assert [e.version for e in case_events(store_engine, "C-1")] == [1, 2, 3, 4]
        assert [e.position for e in events_after(store_engine, 0)] == [1, 2, 3, 4, 5]
        assert case_version(store_engine, "C-1") == 4 and case_version(store_engine, "C-9") == 0

    def test_stale_expected_version_is_a_conflict_and_writes_nothing(self, store_engine: Engine) -> None:
        open_case(store_engine, "C-1", received())
        before = snapshot(store_engine)
        with pytest.raises(ConcurrencyConflict) as caught:
            append(store_engine, "C-1", [received("A2")], expected_version=1, actor=SPECIALIST, now=NOW)
        assert (caught.value.expected, caught.value.actual) == (1, 2)
        assert snapshot(store_engine) == before

    def test_opening_an_existing_case_with_expected_version_0_is_a_conflict(self, store_engine: Engine) -> None:
        open_case(store_engine)
        with pytest.raises(ConcurrencyConflict):
            open_case(store_engine)

    def test_a_case_is_opened_only_once(self, store_engine: Engine) -> None:
        open_case(store_engine)
        with pytest.raises(EventRejected, match=r"events\[0\]\.type: case C-1 is already opened"):
            append(store_engine, "C-1", [opened()], expected_version=None, actor=SPECIALIST, now=NOW)

    def test_events_of_an_unknown_case_are_refused(self, store_engine: Engine) -> None:
        with pytest.raises(CaseNotFound, match="C-404"):
            append(store_engine, "C-404", [received()], expected_version=None, actor=SPECIALIST, now=NOW)
        assert snapshot(store_engine)[0] == 0

    def test_same_key_and_body_returns_the_original_events(self, store_engine: Engine) -> None:
        open_case(store_engine)
        first = append(store_engine, "C-1", [received()], expected_version=1, actor=SPECIALIST, now=NOW,
                       idempotency_key="retry-1")
        before = snapshot(store_engine)
        again = append(store_engine, "C-1", [received()], expected_version=1, actor=SPECIALIST,
                       now=NOW + timedelta(minutes=1), idempotency_key="retry-1")
        assert again.replayed and not first.replayed
        assert again.events == first.events
        assert snapshot(store_engine) == before

    def test_same_key_with_another_body_is_a_conflict(self, store_engine: Engine) -> None:
        open_case(store_engine)
        append(store_engine, "C-1", [received()], expected_version=1, actor=SPECIALIST, now=NOW,
               idempotency_key="retry-1")
        before = snapshot(store_engine)
        with pytest.raises(IdempotencyConflict, match="retry-1"):
            append(store_engine, "C-1", [received("A2")], expected_version=1, actor=SPECIALIST, now=NOW,
                   idempotency_key="retry-1")
        assert snapshot(store_engine) == before

    def test_idempotency_keys_belong_to_one_case(self, store_engine: Engine) -> None:
        open_case(store_engine, "C-1")
        open_case(store_engine, "C-2")
        for case_id in ("C-1", "C-2"):
            result = append(store_engine, case_id, [received()], expected_version=1, actor=SPECIALIST, now=NOW,
                            idempotency_key="same")
            assert not result.replayed

    @pytest.mark.parametrize(
        ("event", "loc", "reason"),
        [
            ({"type": "loan_sold", "occurred_at": "2026-07-02", "data": {}}, "events[1].type",
             "unknown event type 'loan_sold'"),
            ({"type": "payment_missed", "occurred_at": "2026-07-02", "data": {}}, "events[1].data.due_date",
             "Field required"),
            ({"type": "application_completed", "occurred_at": "2026-07-02",
              "data": {"application_id": "A1", "facially": "perhaps"}}, "events[1].data.facially",
             "valid boolean"),
            ({**received(), "data": {"application_id": "A1", "ssn": "x"}}, "events[1].data.ssn",
             "Extra inputs are not permitted"),
            ({**received(), "recorded_at": "2026-07-02"}, "events[1].recorded_at", "unknown field"),
            (contact("2026-07-02T10:00:00"), "events[1].occurred_at", "no UTC offset"),
            (contact("2026-07-02"), "events[1].occurred_at", "needs a timestamp"),
            (received(on="1999-12-31"), "events[1].occurred_at", "outside the supported calendar years"),
            ({"type": "payment_missed", "occurred_at": "2026-07-02", "data": {"due_date": "2046-01-01"}},
             "events[1].data.due_date", "outside the supported calendar years"),
            (contact("2026-07-10T15:06:00+00:00"), "events[1].occurred_at", "in the future"),
            (received(on="2026-07-11"), "events[1].occurred_at", "date in the future"),
            ({"type": "note_added", "occurred_at": "2026-07-02", "data": {"text": "x" * 70_000}},
             "events[1].data", "payload larger than 65536 bytes"),
            (voided("no-such-event"), "events[1].data.voids", "names no earlier event 'no-such-event'"),
            (corrected("no-such-event"), "events[1].data.corrects", "names no earlier event"),
            ({"type": "deadline_breached", "occurred_at": "2026-07-02",
              "data": {"clock_id": "k", "rule": "lm_ack_notice", "due": "2026-07-09"}}, "events[1].type",
             "recorded only by the system actor"),
            (opened(), "events[1].type", "case_opened must be the first event"),
            (received(id="x" * 37), "events[1].id", "at most 36 characters"),
        ],
        ids=[
            "unknown-type", "missing-field", "wrong-field-type", "extra-field", "envelope-field-from-client",
            "naive-timestamp", "date-where-timestamp-needed", "date-before-2000", "data-date-after-2045",
            "timestamp-beyond-skew", "date-in-the-future", "payload-over-64KiB", "void-of-nothing",
            "correction-of-nothing", "system-type-by-a-person", "case-opened-twice-in-batch", "id-too-long",
        ],
    )
    def test_rejection_names_field_and_writes_nothing(
        self, store_engine: Engine, event: dict[str, Any], loc: str, reason: str
    ) -> None:
        open_case(store_engine)
        before = snapshot(store_engine)
        batch = [received("A-ok"), event]  # the valid first event must not be written either
        with pytest.raises(EventRejected) as caught:
            append(store_engine, "C-1", batch, expected_version=1, actor=SPECIALIST, now=NOW)
        assert [e.loc for e in caught.value.errors] == [loc]
        assert reason in caught.value.errors[0].reason
        assert snapshot(store_engine) == before

    def test_timestamp_within_the_skew_is_accepted(self, store_engine: Engine) -> None:
        open_case(store_engine, "C-1", contact("2026-07-10T15:04:00+00:00"))
        assert case_version(store_engine, "C-1") == 2

    def test_a_rejected_first_event_of_a_new_case_writes_nothing(self, store_engine: Engine) -> None:
        with pytest.raises(EventRejected) as caught:
            append(store_engine, "C-1", [opened(property_state="ZZ"), received()], expected_version=0,
                   actor=SPECIALIST, now=NOW)
        assert [e.loc for e in caught.value.errors] == ["events[0].data.property_state"]
        assert snapshot(store_engine)[0] == 0

    def test_every_invalid_event_of_a_batch_is_reported(self, store_engine: Engine) -> None:
        open_case(store_engine)
        batch = [received(on="1999-01-01"), received(), {"type": "nope", "occurred_at": "2026-07-02"}]
        with pytest.raises(EventRejected) as caught:
            append(store_engine, "C-1", batch, expected_version=1, actor=SPECIALIST, now=NOW)
        assert [e.loc for e in caught.value.errors] == ["events[0].occurred_at", "events[2].type"]

    def test_void_of_another_cases_event_is_refused(self, store_engine: Engine) -> None:
        other = open_case(store_engine, "C-2")
        open_case(store_engine, "C-1")
        before = snapshot(store_engine)
        with pytest.raises(EventRejected) as caught:
            append(store_engine, "C-1", [voided(other[0].id)], expected_version=1, actor=SPECIALIST, now=NOW)
        assert str(caught.value) == f"events[0].data.voids: names event '{other[0].id}', which belongs to another case"
        assert snapshot(store_engine) == before

    def test_corrections_and_voids_name_earlier_events_of_the_case(self, store_engine: Engine) -> None:
        existing = open_case(store_engine, "C-1", received())
        batch = [received("A2", id="e-2"), corrected("e-2"), voided(existing[1].id)]
        result = append(store_engine, "C-1", batch, expected_version=2, actor=SPECIALIST, now=NOW)
        assert [e.version for e in result.events] == [3, 4, 5]

    def test_a_correction_cannot_name_a_later_event_of_the_batch(self, store_engine: Engine) -> None:
        open_case(store_engine)
        with pytest.raises(EventRejected, match=r"events\[0\]\.data\.corrects: names no earlier event 'e-2'"):
            append(store_engine, "C-1", [corrected("e-2"), received(id="e-2")], expected_version=1,
                   actor=SPECIALIST, now=NOW)

    def test_client_ids_are_unique_across_the_log(self, store_engine: Engine) -> None:
        open_case(store_engine, "C-1", received(id="e-1"))
        open_case(store_engine, "C-2")
        with pytest.raises(EventRejected, match=r"events\[0\]\.id: 'e-1' is already used by another event"):
            append(store_engine, "C-2", [received(id="e-1")], expected_version=1, actor=SPECIALIST, now=NOW)
        with pytest.raises(EventRejected, match=r"events\[1\]\.id: 'e-3' is used twice in this batch"):
            append(store_engine, "C-2", [received(id="e-3"), received(id="e-3")], expected_version=1,
                   actor=SPECIALIST, now=NOW)

    def test_the_system_actor_records_breaches(self, store_engine: Engine) -> None:
        open_case(store_engine)
        breach = {"type": "deadline_breached", "occurred_at": "2026-07-10",
                  "data": {"clock_id": "k", "rule": "lm_ack_notice", "due": "2026-07-09"}}
        result = append(store_engine, "C-1", [breach], expected_version=1, actor=SYSTEM, now=NOW)
        assert result.events[0].actor_role == "system"

    def test_unknown_actor_role_is_refused(self) -> None:
        with pytest.raises(ValueError, match="unknown actor role 'auditor'"):
            Actor("u-1", "auditor")

    def test_database_rejects_update_and_delete_of_events(self, store_engine: Engine) -> None:
        open_case(store_engine)
        before = snapshot(store_engine)
        for statement in ("UPDATE events SET data = '{}'", "DELETE FROM events"):
            with pytest.raises(DBAPIError, match="events is append-only"), store_engine.begin() as conn:
                conn.execute(text(statement))
        assert snapshot(store_engine) == before

    def test_database_rejects_update_and_delete_of_checkpoints(self, store_engine: Engine) -> None:
        with store_engine.begin() as conn:
            conn.execute(text(
                "INSERT INTO checkpoints VALUES (1, 'r', 'h', '2026-07-10T15:00:00.000000Z', 'k', 's')"
            ))
        for statement in ("UPDATE checkpoints SET signature = 'forged'", "DELETE FROM checkpoints"):
            with pytest.raises(DBAPIError, match="checkpoints is append-only"), store_engine.begin() as conn:
                conn.execute(text(statement))

    def test_postgres_rejects_truncate(self, store_engine: Engine) -> None:
        if store_engine.dialect.name != "postgresql":
            pytest.skip("SQLite has no TRUNCATE (its DELETE is covered above)")
        with pytest.raises(DBAPIError, match="events is append-only: TRUNCATE"), store_engine.begin() as conn:
            conn.execute(text("TRUNCATE events CASCADE"))

    def test_case_as_known_at_a_past_instant(self, store_engine: Engine) -> None:
        open_case(store_engine, now=NOW)
        append(store_engine, "C-1", [received()], expected_version=1, actor=SPECIALIST, now=NOW + timedelta(hours=1))
        late = NOW + timedelta(days=1)
        append(store_engine, "C-1", [received("A2", on="2026-07-03")], expected_version=2, actor=SPECIALIST, now=late)
        known = case_as_known_at(store_engine, "C-1", NOW + timedelta(hours=1))
        assert [e.version for e in known] == [1, 2]
        assert case_as_known_at(store_engine, "C-1", NOW - timedelta(microseconds=1)) == []
        assert len(case_as_known_at(store_engine, "C-1", late.astimezone(ZoneInfo("Asia/Tokyo")))) == 3
        with pytest.raises(ValueError, match="timezone-aware"):
            case_as_known_at(store_engine, "C-1", datetime(2026, 7, 11))  # noqa: DTZ001 - the point

    def test_recorded_at_never_runs_backwards(self, store_engine: Engine) -> None:
        open_case(store_engine, now=NOW)
        result = append(store_engine, "C-1", [received()], expected_version=1, actor=SPECIALIST,
                        now=NOW - timedelta(hours=1))
        assert result.events[0].recorded_at == "2026-07-10T15:00:00.000000Z"

    def test_log_is_read_in_pages_after_a_position(self, store_engine: Engine) -> None:
        for number in range(5):
            open_case(store_engine, f"C-{number}")
        assert [e.position for e in events_after(store_engine, 1, limit=2)] == [2, 3]
        assert [e.position for e in events_after(store_engine, 3, limit=10)] == [4, 5]
        assert events_after(store_engine, 5) == []
        assert case_ids(store_engine) == ["C-0", "C-1", "C-2", "C-3", "C-4"]

    def test_case_events_in_the_rule_engines_terms(self, store_engine: Engine) -> None:
        open_case(store_engine, "C-1", contact("2026-07-03T02:30:00Z"))
        case_event = to_case_events(case_events(store_engine, "C-1"))[1]
        assert case_event.on == date(2026, 7, 2)  # 22:30 on July 2 in New York (CONTRACT §1 legal date)
        assert case_event.at == datetime(2026, 7, 3, 2, 30, tzinfo=UTC)

    def test_the_servicers_default_zone_is_written_into_a_new_case(self, store_engine: Engine) -> None:
        policy = AppendPolicy(default_timezone="America/Chicago")
        append(store_engine, "C-1", [opened()], expected_version=0, actor=SPECIALIST, now=NOW, policy=policy)
        assert case_events(store_engine, "C-1")[0].data["timezone"] == "America/Chicago"

    def test_appends_join_the_callers_transaction(self, store_engine: Engine) -> None:
        with write_transaction(store_engine) as conn:
            append(conn, "C-1", [opened()], expected_version=0, actor=SPECIALIST, now=NOW)
            append(conn, "C-1", [received()], expected_version=1, actor=SPECIALIST, now=NOW)
        assert case_version(store_engine, "C-1") == 2
        with pytest.raises(RuntimeError), write_transaction(store_engine) as conn:
            append(conn, "C-2", [opened()], expected_version=0, actor=SPECIALIST, now=NOW)
            raise RuntimeError("the caller gives up")
        assert case_version(store_engine, "C-2") == 0 and read_head(store_engine).position == 2

    def test_a_version_race_past_the_lock_is_a_conflict(
        self, store_engine: Engine, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        open_case(store_engine, "C-1", received())
        # A writer that read the case before another one appended (impossible while the head lock is held):
        # UNIQUE(case_id, version) still refuses the duplicate version.
        real_open_log = append_batch.open_log

        def stale_open_log(conn: Any, requests: Any) -> Any:
            head, _states, keys = real_open_log(conn, requests)
            return head, {"C-1": CaseState(1, None)}, keys

        monkeypatch.setattr(append_batch, "open_log", stale_open_log)
        before = snapshot(store_engine)
        with pytest.raises(ConcurrencyConflict, match="appended to concurrently"):
            append(store_engine, "C-1", [received("A2")], expected_version=None, actor=SPECIALIST, now=NOW)
        assert snapshot(store_engine) == before

    def test_schema_is_at_head_and_upgrades_are_idempotent(self, store_engine: Engine) -> None:
        assert current_revision(store_engine) == head_revision() and is_up_to_date(store_engine)
        upgrade(store_engine)
        assert is_up_to_date(store_engine)


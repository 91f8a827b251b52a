"""Monitoring scans, time-travelling with an injected `now`: breaches, reminders, routing, life cycle."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
import structlog
from sqlalchemy import Connection, Engine, text

import audit.scans
from audit.alerts import (
    AlertNotFound,
    AlertNotPermitted,
    AlertRecord,
    AlertStateConflict,
    acknowledge_alert,
    get_alert,
    insert_new,
    list_alerts,
)
from audit.database import make_engine, write_transaction
from audit.migrate import upgrade
from audit.monitoring import breach_pass, scan
from audit.reads import case_events
from audit.scans import BREACH_LEADER_LOCK, MonitoringPolicy, scan_breaches
from audit.store import Actor
from tests.audit.conftest import _postgres_url
from tests.audit.monitoring_support import POLICY, PROJECTING, alert_rows, open_case, record, types_of
from tests.histories import ev

JUL = datetime(2026, 7, 2, 15, 0, tzinfo=UTC)  # when the cases below are recorded
MANAGER = Actor("m1", "manager")


def at(day: str, hour: int = 16, minute: int = 0) -> datetime:
    """An instant in UTC (16:00 UTC is midday in New York)."""
    return datetime.fromisoformat(day).replace(hour=hour, minute=minute, tzinfo=UTC)


def application(on: str = "2026-07-02", app_id: str = "A1") -> dict[str, Any]:
    return ev("application_received", on, application_id=app_id)


def breached(engine: Engine) -> list[tuple[str, str, date]]:
    """(case, rule, due) of every breach alert."""
    return [(r.case_id, r.rule, r.due) for r in alert_rows(engine) if r.level == "breached"]


def breach_events(engine: Engine, case_id: str) -> list[dict[str, Any]]:
    return [{**e.data, "actor": e.actor_role, "occurred_at": e.occurred_at}
            for e in case_events(engine, case_id) if e.type == "deadline_breached"]


def test_a_deadline_passes_at_local_midnight_and_is_raised_once(store_engine: Engine) -> None:
    open_case(store_engine, "C-1", application(), now=JUL)  # lm_ack_notice due Thu 2026-07-09
    midnight = datetime(2026, 7, 10, 4, 0, tzinfo=UTC)  # 00:00 EDT on 07-10
    assert scan(store_engine, now=midnight - timedelta(microseconds=1), policy=POLICY).breached == ()
    report = scan(store_engine, now=midnight, policy=POLICY)
    assert [(a.rule, a.due, a.recipients) for a in report.breached] == [("lm_ack_notice", date(2026, 7, 9), ("desk",))]
    assert scan(store_engine, now=midnight + timedelta(minutes=1), policy=POLICY).breached == ()
    assert breach_events(store_engine, "C-1") == [{
        "clock_id": report.breached[0].clock_id, "rule": "lm_ack_notice", "due": "2026-07-09", "actor": "system",
        "occurred_at": "2026-07-10T04:00:00+00:00",  # the trail shows when the service knew
    }]


def test_deadlines_pass_at_local_midnight_across_the_dst_change(store_engine: Engine) -> None:
    # ei_live_contact: due date + 36 calendar days -> Sat 2026-03-07 and Sun 2026-03-08 (DST starts 03-08 02:00).
    open_case(store_engine, "C-1", ev("payment_missed", "2026-01-30", due_date="2026-01-30"),
              ev("payment_missed", "2026-01-31", due_date="2026-01-31"), now=at("2026-02-01"))
    est_midnight, edt_midnight = datetime(2026, 3, 8, 5, tzinfo=UTC), datetime(2026, 3, 9, 4, tzinfo=UTC)
    assert breached(store_engine) == []
    scan(store_engine, now=est_midnight - timedelta(seconds=1), policy=POLICY)
    assert breached(store_engine) == []
    scan(store_engine, now=est_midnight, policy=POLICY)
    assert breached(store_engine) == [("C-1", "ei_live_contact", date(2026, 3, 7))]
    scan(store_engine, now=edt_midnight - timedelta(seconds=1), policy=POLICY)  # 23:59:59 EDT on 03-08
    assert len(breached(store_engine)) == 1
    scan(store_engine, now=edt_midnight, policy=POLICY)  # an hour earlier in UTC than the night before
    assert sorted(breached(store_engine))[-1] == ("C-1", "ei_live_contact", date(2026, 3, 8))


def test_after_three_days_down_the_first_scan_raises_every_breach_once(store_engine: Engine) -> None:
    # ei_live_contact due 07-07, 07-08, 07-09 (installments of 06-01, 06-02, 06-03 + 36 days).
    for number, due in enumerate(["2026-06-01", "2026-06-02", "2026-06-03"]):
        open_case(store_engine, f"C-{number}", ev("payment_missed", due, due_date=due), now=JUL)
    assert scan(store_engine, now=at("2026-07-07", 12), policy=POLICY).breached == ()  # last run before the stop
    restart = at("2026-07-10", 15)
    report = scan(store_engine, now=restart, policy=POLICY)
    assert sorted((a.case_id, a.due) for a in report.breached) == [
        ("C-0", date(2026, 7, 7)), ("C-1", date(2026, 7, 8)), ("C-2", date(2026, 7, 9))]
    assert report.approaching == ()  # the missed reminders of past deadlines are not sent late
    again = scan(store_engine, now=restart + timedelta(minutes=1), policy=POLICY)
    assert again.breached == again.approaching == ()
    assert [len(breach_events(store_engine, f"C-{n}")) for n in range(3)] == [1, 1, 1]


def test_a_late_entry_that_satisfies_a_breached_clock_resolves_its_alert(store_engine: Engine) -> None:
    open_case(store_engine, "C-1", application(), now=JUL)
    (alert,) = scan(store_engine, now=at("2026-07-10"), policy=POLICY).breached
    # Recorded on 07-11: the acknowledgment was in fact sent on 07-08, in time.
    record(store_engine, "C-1", [ev("application_acknowledged", "2026-07-08", application_id="A1", complete=False)],
           now=at("2026-07-11"))
    report = scan(store_engine, now=at("2026-07-11"), policy=POLICY)
    assert report.resolved == ((alert.alert_id, "met"),)
    assert get_alert(store_engine, alert.alert_id).state == "resolved"
    assert types_of(store_engine, "C-1").count("deadline_breached") == 1  # what the service knew stays known


def test_an_act_done_late_resolves_the_breach_as_met_late(store_engine: Engine) -> None:
    open_case(store_engine, "C-1", application(), now=JUL)
    (alert,) = scan(store_engine, now=at("2026-07-10"), policy=POLICY).breached
    record(store_engine, "C-1", [ev("application_acknowledged", "2026-07-10", application_id="A1", complete=False)],
           now=at("2026-07-10", 18))
    assert scan(store_engine, now=at("2026-07-10", 19), policy=POLICY).resolved == ((alert.alert_id, "met_late"),)


def test_a_late_entry_that_breaches_a_clock_in_the_past_is_raised_at_once(store_engine: Engine) -> None:
    open_case(store_engine, "C-1", now=JUL)
    assert scan(store_engine, now=at("2026-07-20"), policy=POLICY).breached == ()
    record(store_engine, "C-1", [application("2026-07-01")], now=at("2026-07-20", 17))  # received 19 days ago
    report = scan(store_engine, now=at("2026-07-20", 18), policy=POLICY)
    assert [(a.rule, a.due) for a in report.breached] == [("lm_ack_notice", date(2026, 7, 8))]


def test_a_breach_discovered_already_cured_is_raised_and_resolved(store_engine: Engine) -> None:
    open_case(store_engine, "C-1", now=JUL)
    record(store_engine, "C-1", [application("2026-07-01"),
                                 ev("application_acknowledged", "2026-07-15", application_id="A1", complete=False)],
           now=at("2026-07-20"))
    report = scan(store_engine, now=at("2026-07-20", 18), policy=POLICY)
    assert [a.rule for a in report.breached] == ["lm_ack_notice"]
    assert report.resolved == ((report.breached[0].alert_id, "met_late"),)


def test_approaching_reminders_two_business_days_before_and_on_the_due_date(store_engine: Engine) -> None:
    open_case(store_engine, "C-1", application(), now=JUL)  # due Thu 07-09

    def reminders(day: str) -> list[int]:
        return [a.lead_days for a in scan(store_engine, now=at(day), policy=POLICY).approaching]

    assert [reminders(day) for day in ("2026-07-06", "2026-07-07", "2026-07-08", "2026-07-09")] == [[], [2], [], [0]]
    report = scan(store_engine, now=at("2026-07-10"), policy=POLICY)
    assert len(report.breached) == 1
    assert sorted(reason for _, reason in report.resolved) == ["breached", "breached"]


def test_back_on_the_due_date_only_the_due_date_reminder_is_sent(store_engine: Engine) -> None:
    open_case(store_engine, "C-1", application(), now=JUL)
    assert [a.lead_days for a in scan(store_engine, now=at("2026-07-09"), policy=POLICY).approaching] == [0]


def test_alerts_follow_the_latest_assignment(store_engine: Engine) -> None:
    open_case(store_engine, "C-1", application(), now=JUL)
    open_case(store_engine, "C-2", application(), ev("case_assigned", "2026-07-02", team="T1", staff_id="s",
                                                       manager_id="m1"), now=JUL)
    record(store_engine, "C-2", [ev("case_assigned", "2026-07-06", team="T2", staff_id="s", manager_id="m2")],
           now=at("2026-07-06"))
    routed = {a.case_id: (a.recipients, a.manager_id, a.team)
              for a in scan(store_engine, now=at("2026-07-10"), policy=POLICY).breached}
    assert routed == {"C-1": (("desk",), None, None), "C-2": (("m2",), "m2", "T2")}


def test_an_unacknowledged_breach_escalates_once(store_engine: Engine) -> None:
    open_case(store_engine, "C-1", application(), now=JUL)
    (alert,) = scan(store_engine, now=at("2026-07-10", 4), policy=POLICY).breached
    assert scan(store_engine, now=at("2026-07-11", 3, 59), policy=POLICY).escalated == ()
    (escalation,) = scan(store_engine, now=at("2026-07-11", 4), policy=POLICY).escalated
    assert (escalation.level, escalation.recipients, escalation.clock_id) == ("escalated", ("officer",), alert.clock_id)
    assert get_alert(store_engine, alert.alert_id).state == "escalated"
    assert scan(store_engine, now=at("2026-07-15"), policy=POLICY).escalated == ()


def test_an_acknowledged_breach_does_not_escalate(store_engine: Engine) -> None:
    open_case(store_engine, "C-1", application(), now=JUL)
    (alert,) = scan(store_engine, now=at("2026-07-10", 4), policy=POLICY).breached
    acknowledge_alert(store_engine, alert.alert_id, actor=MANAGER, now=at("2026-07-10", 9), policy=PROJECTING)
    assert scan(store_engine, now=at("2026-07-12"), policy=POLICY).escalated == ()


def test_a_manager_acknowledges_an_alert_into_the_case_log(store_engine: Engine) -> None:
    open_case(store_engine, "C-1", application(), now=JUL)
    (alert,) = scan(store_engine, now=at("2026-07-10"), policy=POLICY).breached
    with pytest.raises(AlertNotPermitted):
        acknowledge_alert(store_engine, alert.alert_id, actor=Actor("s1", "specialist"), now=at("2026-07-10", 17))
    done = acknowledge_alert(store_engine, alert.alert_id, actor=MANAGER, now=at("2026-07-10", 17), policy=PROJECTING)
    assert (done.state, done.acknowledged_by, done.acknowledged_at) == ("acknowledged", "m1", at("2026-07-10", 17))
    again = acknowledge_alert(store_engine, alert.alert_id, actor=MANAGER, now=at("2026-07-10", 18), policy=PROJECTING)
    assert again.acknowledged_at == at("2026-07-10", 17)
    acks = [e for e in case_events(store_engine, "C-1") if e.type == "alert_acknowledged"]
    assert [(e.data, e.actor_id, e.actor_role) for e in acks] == [({"alert_id": alert.alert_id}, "m1", "manager")]
    with pytest.raises(AlertNotFound):
        acknowledge_alert(store_engine, "no-such-alert", actor=MANAGER, now=at("2026-07-10", 18))


def test_closing_the_case_resolves_its_alerts_and_a_resolved_alert_cannot_be_acknowledged(
    store_engine: Engine,
) -> None:
    open_case(store_engine, "C-1", application(), now=JUL)
    (alert,) = scan(store_engine, now=at("2026-07-10"), policy=POLICY).breached
    record(store_engine, "C-1", [ev("case_closed", "2026-07-12", reason="cured")], now=at("2026-07-12"))
    assert scan(store_engine, now=at("2026-07-12", 17), policy=POLICY).resolved == ((alert.alert_id, "case_closed"),)
    with pytest.raises(AlertStateConflict):
        acknowledge_alert(store_engine, alert.alert_id, actor=MANAGER, now=at("2026-07-12", 18), policy=PROJECTING)


def test_a_failing_case_is_logged_and_skipped(store_engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    open_case(store_engine, "C-bad", application(), now=JUL)
    open_case(store_engine, "C-good", application(), now=JUL)
    real_append = audit.scans._append_breaches

    def failing_for_one_case(conn: Connection, records: Any, **kwargs: Any) -> None:
        if any(r.case_id == "C-bad" for r in records):
            raise OSError("disk trouble")
        real_append(conn, records, **kwargs)

    monkeypatch.setattr(audit.scans, "_append_breaches", failing_for_one_case)
    with structlog.testing.capture_logs() as logs:
        report = scan(store_engine, now=at("2026-07-10"), policy=POLICY)
    assert [a.case_id for a in report.breached] == ["C-good"]
    assert {"event": "breach_scan_case_failed", "case_id": "C-bad", "error": "OSError",
            "log_level": "error"} in logs
    assert breached(store_engine) == [("C-good", "lm_ack_notice", date(2026, 7, 9))]  # nothing half-done
    monkeypatch.undo()
    assert [a.case_id for a in scan(store_engine, now=at("2026-07-10", 17), policy=POLICY).breached] == ["C-bad"]


def test_alert_and_breach_event_commit_together_with_the_deliveries(store_engine: Engine) -> None:
    open_case(store_engine, "C-1", application(), now=JUL)

    def failing_hand_over(_conn: Connection, _records: Any) -> None:
        raise ConnectionError("outbox unavailable")

    with pytest.raises(ConnectionError):
        scan(store_engine, now=at("2026-07-10"), policy=POLICY, on_raised=failing_hand_over)
    assert alert_rows(store_engine) == [] and "deadline_breached" not in types_of(store_engine, "C-1")
    handed: list[AlertRecord] = []
    scan(store_engine, now=at("2026-07-10", 17), policy=POLICY, on_raised=lambda _c, records: handed.extend(records))
    assert [a.rule for a in handed] == ["lm_ack_notice"]


def test_the_same_alert_is_inserted_once(store_engine: Engine) -> None:
    record_ = AlertRecord(alert_id="a-1", clock_id="r:e1", case_id="C-1", rule="r", level="breached", lead_days=0,
                          due=date(2026, 7, 9), raised_at=at("2026-07-10"), manager_id=None, team=None,
                          recipients=("desk",))
    twin = AlertRecord(**{**vars(record_), "alert_id": "a-2"})  # same (clock, level, due, lead), other id
    with write_transaction(store_engine) as conn:
        assert insert_new(conn, [record_]) == [record_]
        assert insert_new(conn, [record_, twin]) == []
    assert [a.alert_id for a in list_alerts(store_engine)] == ["a-1"]


@pytest.mark.postgres
def test_a_process_without_the_leader_lock_skips_the_scan(postgres_store: Engine) -> None:
    open_case(postgres_store, "C-1", application(), now=JUL)
    with postgres_store.connect() as other:
        assert other.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": BREACH_LEADER_LOCK}).scalar()
        assert breach_pass(postgres_store, now=at("2026-07-10"), policy=POLICY).leader is False
        other.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": BREACH_LEADER_LOCK})
    assert len(breach_pass(postgres_store, now=at("2026-07-10"), policy=POLICY).breached) == 1


@pytest.fixture
def postgres_store(request: pytest.FixtureRequest) -> Iterator[Engine]:
    """A migrated log in a PostgreSQL schema of its own."""
    engine = make_engine(_postgres_url(request))
    upgrade(engine)
    yield engine
    engine.dispose()


def test_policy_refuses_nonsense() -> None:
    with pytest.raises(ValueError, match="leads"):
        MonitoringPolicy(leads=())
    with pytest.raises(ValueError, match="batch_size"):
        MonitoringPolicy(batch_size=0)


def test_racing_scans_without_a_leader_still_raise_each_breach_once(store_engine: Engine) -> None:
    for number in range(40):
        open_case(store_engine, f"C-{number:02d}", application(), now=JUL)
    start, results = threading.Barrier(2), []

    def scanner() -> None:
        start.wait()
        results.append(scan_breaches(store_engine, now=at("2026-07-10"), policy=POLICY))  # no leader lock

    threads = [threading.Thread(target=scanner) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    raised = [a.alert_id for found in results for a in found]
    assert len(raised) == len(set(raised)) == len(alert_rows(store_engine)) == 40
    assert sum(types_of(store_engine, f"C-{n:02d}").count("deadline_breached") for n in range(40)) == 40


def test_voiding_the_trigger_cancels_and_a_corrected_date_supersedes(store_engine: Engine) -> None:
    open_case(store_engine, "C-1", ev("application_received", "2026-07-02", event_id="app-1", application_id="A1"),
              now=JUL)
    open_case(store_engine, "C-2", ev("application_received", "2026-07-02", event_id="app-2", application_id="A1"),
              now=JUL)
    first = {a.case_id: a for a in scan(store_engine, now=at("2026-07-10"), policy=POLICY).breached}
    record(store_engine, "C-1", [ev("entry_voided", "2026-07-11", voids="app-1", reason="entered on the wrong loan")],
           now=at("2026-07-11"))
    record(store_engine, "C-2", [ev("entry_corrected", "2026-07-11", corrects="app-2", reason="date typo",
                                    replacement={"occurred_at": "2026-07-03"})], now=at("2026-07-11"))
    report = scan(store_engine, now=at("2026-07-11", 17), policy=POLICY)
    assert sorted(report.resolved) == sorted([(first["C-1"].alert_id, "cancelled"),
                                              (first["C-2"].alert_id, "superseded")])
    assert [(a.case_id, a.due) for a in report.breached] == [("C-2", date(2026, 7, 10))]  # the corrected deadline

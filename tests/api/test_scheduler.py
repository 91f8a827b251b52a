"""The scheduler: job settings, the FastAPI lifespan, job bodies with an injected clock, real processes."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select

from api.alert_jobs import (
    Handover,
    Monitoring,
    build_monitoring,
    raise_and_send,
    run_breach_scan,
    run_delivery_retry,
    run_digest,
)
from api.app import create_app
from api.metrics import build_metrics
from api.notify import DeliveryFailed
from api.scheduler import build_scheduler
from audit import deliveries
from audit.alert_schema import alerts
from audit.database import make_engine
from audit.delivery_schema import delivery_attempts
from audit.migrate import upgrade
from audit.monitoring import ScanReport, breach_pass
from audit.scans import scan_breaches
from audit.schema import events
from tests.api.support import make_settings
from tests.api.test_notify_delivery import Recorder
from tests.audit.conftest import _postgres_url
from tests.audit.monitoring_support import open_case
from tests.histories import ev

ROOT = Path(__file__).resolve().parents[2]
RECORDED = datetime(2026, 7, 2, 15, 0, tzinfo=UTC)
SCAN_AT = datetime(2026, 7, 10, 16, 0, tzinfo=UTC)


def monitoring_for(engine: Engine, tmp_path: Path, *channels: Any) -> Monitoring:
    settings = make_settings(tmp_path, alert_fallback_recipients=["desk"])
    return build_monitoring(engine, settings, channels=list(channels))


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    engine = make_engine(f"sqlite:///{tmp_path / 'monitor.db'}")
    upgrade(engine)
    yield engine
    engine.dispose()


def test_jobs_coalesce_never_overlap_and_drop_runs_older_than_an_interval(engine: Engine, tmp_path: Path) -> None:
    settings = make_settings(tmp_path, scan_interval_seconds=45, digest_hour=6)
    scheduler = build_scheduler(build_monitoring(engine, settings, channels=[]), settings=settings)
    jobs = {job.id: job for job in scheduler.get_jobs()}
    assert set(jobs) == {"breach_scan", "approaching_scan", "delivery_retry", "daily_digest"}
    for job in jobs.values():
        assert (job.coalesce, job.max_instances) == (True, 1)
    for name in ("breach_scan", "approaching_scan"):
        assert isinstance(jobs[name].trigger, IntervalTrigger)
        assert jobs[name].trigger.interval == timedelta(seconds=45)
        assert jobs[name].misfire_grace_time == 45
    digest = jobs["daily_digest"].trigger
    assert isinstance(digest, CronTrigger)
    assert str(digest.timezone) == "America/New_York"  # the servicer's zone
    assert str(digest.fields[digest.FIELD_NAMES.index("hour")]) == "6"
    assert jobs["daily_digest"].misfire_grace_time == 6 * 3600


def test_the_service_lifespan_starts_and_stops_the_scheduler(tmp_path: Path) -> None:
    app = create_app(make_settings(tmp_path, scheduler_enabled=True), clock=lambda: SCAN_AT)
    scheduler = app.state.scheduler
    assert scheduler is not None and not scheduler.running
    with TestClient(app):
        assert scheduler.running
    assert not scheduler.running
    assert create_app(make_settings(tmp_path / "off")).state.scheduler is None


def test_each_new_alert_is_delivered_once_through_every_channel(engine: Engine, tmp_path: Path) -> None:
    open_case(engine, "C-1", ev("application_received", "2026-07-02", application_id="A1"), now=RECORDED)
    log, webhook = Recorder("log"), Recorder("webhook-x")
    monitoring = monitoring_for(engine, tmp_path, log, webhook)
    report = run_breach_scan(monitoring, now=SCAN_AT)
    run_breach_scan(monitoring, now=SCAN_AT + timedelta(minutes=1))
    run_delivery_retry(monitoring, now=SCAN_AT + timedelta(minutes=2))
    assert [m.alert_id for m in log.sent] == [m.alert_id for m in webhook.sent] == [report.breached[0].alert_id]
    message = log.sent[0]
    assert (message.level, message.rule, message.citation, message.recipients) == (
        "breached", "lm_ack_notice", "12 CFR 1024.41(b)(2)(i)(B)", ("desk",))
    assert "2026-07-09" in message.text


def test_a_failing_channel_never_blocks_the_scan_or_the_others(engine: Engine, tmp_path: Path) -> None:
    open_case(engine, "C-1", ev("application_received", "2026-07-02", application_id="A1"), now=RECORDED)

    class Broken:
        name = "webhook-broken"

        def send(self, _alert: Any) -> None:
            raise DeliveryFailed("HTTP 503", retryable=True)

    class Exploding:
        name = "webhook-exploding"

        def send(self, _alert: Any) -> None:
            raise RuntimeError("bug in a channel")

    log = Recorder("log")
    report = run_breach_scan(monitoring_for(engine, tmp_path, Broken(), Exploding(), log), now=SCAN_AT)
    assert len(report.breached) == 1 and len(log.sent) == 1
    states = {d.channel: d.state for d in deliveries.deliveries(engine)}
    assert states == {"log": "delivered", "webhook-broken": "pending", "webhook-exploding": "pending"}


def _breached_cases(engine: Engine, count: int) -> None:
    for number in range(count):  # lm_ack_notice due 07-09: breached at SCAN_AT
        open_case(engine, f"C-{number}", ev("application_received", "2026-07-02", application_id="A1"), now=RECORDED)


def _attempts(engine: Engine) -> list[tuple[str, str, int, str]]:
    a = delivery_attempts.c
    with engine.connect() as conn:
        rows = conn.execute(select(a.alert_id, a.channel, a.attempt, a.outcome).order_by(a.id)).all()
    return [tuple(row) for row in rows]  # type: ignore[misc]


def test_deliveries_are_held_in_the_raising_transaction_and_sent_once_after_it(engine: Engine, tmp_path: Path) -> None:
    _breached_cases(engine, 3)
    log = Recorder("log")
    monitoring = build_monitoring(engine, make_settings(tmp_path, scan_batch_size=2), channels=[log])
    report = run_breach_scan(monitoring, now=SCAN_AT)
    raised = sorted(a.alert_id for a in report.breached)
    assert sorted(m.alert_id for m in log.sent) == raised and len(raised) == 3
    assert sorted(_attempts(engine)) == [(alert, "log", 1, "delivered") for alert in raised]
    assert {(d.state, d.attempts, d.next_attempt_at) for d in deliveries.deliveries(engine)} == {("delivered", 1, None)}


def test_a_failed_pass_gives_back_the_deliveries_of_its_committed_pages(engine: Engine, tmp_path: Path) -> None:
    _breached_cases(engine, 3)
    log = Recorder("log")
    monitoring = build_monitoring(engine, make_settings(tmp_path, scan_batch_size=1), channels=[log])

    def failing_after_the_pages(*args: Any, **kwargs: Any) -> ScanReport:
        breach_pass(*args, **kwargs)  # every page commits, with its deliveries held
        raise ConnectionError("lost the database while resolving")

    with pytest.raises(ConnectionError):
        raise_and_send(monitoring, failing_after_the_pages, now=SCAN_AT)
    assert log.sent == [] and _attempts(engine) == []
    assert {(d.state, d.attempts) for d in deliveries.deliveries(engine)} == {("pending", 0)}  # due, not leased
    assert run_delivery_retry(monitoring, now=SCAN_AT + timedelta(seconds=1)) == 3
    run_delivery_retry(monitoring, now=SCAN_AT + timedelta(hours=1))
    assert len(log.sent) == len({m.alert_id for m in log.sent}) == 3


def test_deliveries_held_by_a_stopped_process_are_sent_once_after_the_lease(engine: Engine, tmp_path: Path) -> None:
    _breached_cases(engine, 2)
    log = Recorder("log")
    monitoring = build_monitoring(engine, make_settings(tmp_path), channels=[log])
    scan_breaches(engine, now=SCAN_AT, policy=monitoring.policy, on_raised=Handover(monitoring, now=SCAN_AT))
    # ... and the process stops before sending: the lease keeps the other processes off until it ends.
    assert run_delivery_retry(monitoring, now=SCAN_AT + timedelta(minutes=1)) == 0
    assert run_delivery_retry(monitoring, now=SCAN_AT + monitoring.retry.lease) == 2
    run_delivery_retry(monitoring, now=SCAN_AT + 2 * monitoring.retry.lease)
    assert len(log.sent) == len({m.alert_id for m in log.sent}) == 2
    assert sorted(outcome for *_, outcome in _attempts(engine)) == ["delivered"] * 2 + ["lease_expired"] * 2


def test_a_hand_over_sends_only_the_alerts_reported_committed(engine: Engine, tmp_path: Path) -> None:
    _breached_cases(engine, 2)
    log = Recorder("log")
    monitoring = build_monitoring(engine, make_settings(tmp_path), channels=[log])
    handover = Handover(monitoring, now=SCAN_AT)
    first, second = scan_breaches(engine, now=SCAN_AT, policy=monitoring.policy, on_raised=handover)
    assert handover.send([first]) == 1
    assert [m.alert_id for m in log.sent] == [first.alert_id]
    assert run_delivery_retry(monitoring, now=SCAN_AT) == 1  # the other was given back: due at once
    assert [m.alert_id for m in log.sent] == [first.alert_id, second.alert_id]


def test_one_digest_per_manager_per_day(engine: Engine, tmp_path: Path) -> None:
    open_case(engine, "C-1", ev("application_received", "2026-07-02", application_id="A1"), now=RECORDED)
    open_case(engine, "C-2", ev("application_received", "2026-07-06", application_id="A1"),
              ev("case_assigned", "2026-07-06", team="T1", staff_id="s", manager_id="m1"), now=SCAN_AT)
    log = Recorder("log")
    monitoring = monitoring_for(engine, tmp_path, log)
    run_breach_scan(monitoring, now=SCAN_AT)
    digest_time = SCAN_AT + timedelta(hours=1)
    assert run_digest(monitoring, now=digest_time) == 2
    run_digest(monitoring, now=digest_time + timedelta(minutes=5))  # a second process, or a misfire
    digests = {m.recipients: m.text for m in log.sent if m.level == "digest"}
    assert len([m for m in log.sent if m.level == "digest"]) == 2
    assert digests[("desk",)].startswith("Daily digest 2026-07-10: 1 breach alert(s)")
    assert "1 deadline(s) due in the next 7 days" in digests[("m1",)]


def _env(url: str, tmp_path: Path) -> dict[str, str]:
    return {
        **os.environ, "PYTHONPATH": str(ROOT), "COMPLIANCE_DATABASE_URL": url, "COMPLIANCE_DATA_DIR": str(tmp_path),
        "COMPLIANCE_SCAN_INTERVAL_SECONDS": "1", "COMPLIANCE_DELIVERY_RETRY_INTERVAL_SECONDS": "1",
        "COMPLIANCE_ALERT_CHANNELS": '["log"]', "COMPLIANCE_LOG_FORMAT": "json", "COMPLIANCE_LOG_LEVEL": "INFO",
    }


def _wait_for(condition: Any, *, timeout: float = 90.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "the scheduler processes did not finish in time"
        time.sleep(0.2)


def _count(engine: Engine, query: Any) -> int:
    with engine.connect() as conn:
        return int(conn.execute(query).scalar_one())


def _delivered_lines(path: Path) -> list[str]:
    found = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("{") and json.loads(line).get("event") == "alert_delivered":
            found.append(json.loads(line)["alert_id"])
    return found


@pytest.mark.slow
@pytest.mark.postgres
def test_two_scheduler_processes_raise_and_deliver_each_alert_once(request: pytest.FixtureRequest,
                                                                   tmp_path: Path) -> None:
    url = _postgres_url(request)
    engine = make_engine(url)
    upgrade(engine)
    for number in range(30):  # lm_ack_notice due 07-09: breached at the frozen now
        open_case(engine, f"C-{number:02d}", ev("application_received", "2026-07-02", application_id="A1"),
                  now=RECORDED)
    for number in range(10):  # due 07-10, the frozen day: the on-the-due-date reminder
        open_case(engine, f"D-{number:02d}", ev("application_received", "2026-07-03", application_id="A1"),
                  now=RECORDED + timedelta(days=1))
    logs = [tmp_path / f"scheduler-{n}.log" for n in range(2)]
    command = [sys.executable, "-m", "tests.api.scheduler_process", SCAN_AT.isoformat()]
    processes = [subprocess.Popen(command, cwd=ROOT, env=_env(url, tmp_path), stdout=subprocess.DEVNULL,  # noqa: S603
                                  stderr=path.open("w")) for path in logs]
    try:
        delivered = select(func.count()).select_from(delivery_attempts).where(
            delivery_attempts.c.outcome == "delivered")
        _wait_for(lambda: _count(engine, delivered) >= 40)
        time.sleep(3)  # several more scan and retry runs in both processes: nothing may be raised or sent again
    finally:
        for process in processes:
            process.send_signal(signal.SIGTERM)
        codes = [process.wait(timeout=30) for process in processes]
    assert codes == [0, 0]
    assert _count(engine, select(func.count()).select_from(alerts)) == 40
    breaches = select(func.count()).select_from(events).where(events.c.type == "deadline_breached")
    assert _count(engine, breaches) == 30
    assert _count(engine, delivered) == 40
    lines = _delivered_lines(logs[0]) + _delivered_lines(logs[1])
    assert len(lines) == len(set(lines)) == 40
    engine.dispose()


def test_compliance_scheduler_runs_until_sigterm(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    stderr = tmp_path / "cli.log"
    process = subprocess.Popen([str(ROOT / ".venv" / "bin" / "compliance"), "scheduler"], cwd=tmp_path,  # noqa: S603
                               env=_env(url, tmp_path), stdout=subprocess.DEVNULL, stderr=stderr.open("w"))
    try:
        _wait_for(lambda: "scheduler_started" in stderr.read_text(encoding="utf-8"), timeout=60)
    finally:
        process.send_signal(signal.SIGTERM)
        code = process.wait(timeout=30)
    assert code == 0
    assert "scheduler_stopped" in stderr.read_text(encoding="utf-8")


def test_the_breach_scan_sets_the_portfolio_gauges(engine: Engine, tmp_path: Path) -> None:
    open_case(engine, "C-1", ev("application_received", "2026-07-02", application_id="A1"),
              ev("payment_missed", "2026-07-01", due_date="2026-07-01"), now=RECORDED)
    metrics = build_metrics()
    monitoring = build_monitoring(engine, make_settings(tmp_path), metrics=metrics, channels=[])
    run_breach_scan(monitoring, now=SCAN_AT)
    assert metrics.breaches._value.get() == 1  # lm_ack_notice, recorded breached and still unmet
    assert metrics.open_clocks._value.get() >= 2  # the early-intervention deadlines of the missed payment

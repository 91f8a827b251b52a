"""The bodies of the monitoring jobs: scan, hand new alerts to the delivery engine, retry, digest.

New alerts are enqueued for delivery inside the transaction that raises them (an alert is never committed
without its deliveries), and sent after that transaction commits through the delivery engine's claims, so
a slow or failing channel never holds the scan's locks or stops it; each (alert, channel) is sent once
whichever process claims it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import structlog
from sqlalchemy import Connection, Engine

from api.metrics import ServiceMetrics
from api.monitoring_settings import MonitoringSettings
from api.notify import (
    AlertMessage,
    Channel,
    RetryPolicy,
    Route,
    channels_from_settings,
    deliver_many,
    enqueue,
    retry_due,
)
from api.notify import policy_from_settings as retry_policy_from_settings
from api.recording import append_policy
from api.settings import Settings
from audit.alerts import AlertRecord
from audit.digest import DigestLine, digest_lines, portfolio_counts
from audit.monitoring import ScanReport, approaching_pass, breach_pass
from audit.projections import Projector
from audit.scans import MonitoringPolicy, OnRaised
from audit.store import AppendPolicy
from compliance.alerting import digest_id, recipients_for
from compliance.rulebook import RULES_BY_ID

log = structlog.get_logger()
RETRY_PAGE = 500
MAX_RETRY_PAGES = 100  # one pass sends at most this many pages; the next pass continues


def projecting_policy(settings: Settings) -> AppendPolicy:
    """The store's policy as configured, with the projection hook (issue 4: read models in the same transaction)."""
    return replace(append_policy(settings), on_appended=Projector(calendar=settings.calendar_policy))


@dataclass(frozen=True)
class Monitoring:
    """Everything the jobs need, built once by the composition root."""

    engine: Engine
    policy: MonitoringPolicy
    channels: tuple[Channel, ...]
    retry: RetryPolicy
    servicer_zone: ZoneInfo
    digest_days: int = 7
    metrics: ServiceMetrics | None = None


def build_monitoring(
    engine: Engine, settings: Settings, options: MonitoringSettings, *, metrics: ServiceMetrics | None = None,
    channels: Sequence[Channel] | None = None,
) -> Monitoring:
    """The monitoring context the settings describe."""
    policy = MonitoringPolicy(
        leads=tuple(options.approaching_leads), escalate_after=timedelta(hours=options.escalate_after_hours),
        fallback_recipients=tuple(options.alert_fallback_recipients),
        escalation_recipients=tuple(options.escalation_recipients), batch_size=options.scan_batch_size,
        append=projecting_policy(settings),
    )
    return Monitoring(
        engine=engine, policy=policy,
        channels=tuple(channels if channels is not None else channels_from_settings(settings)),
        retry=retry_policy_from_settings(settings), servicer_zone=ZoneInfo(settings.default_timezone),
        digest_days=options.digest_days_ahead, metrics=metrics,
    )


def message_for(record: AlertRecord) -> AlertMessage:
    """The message of a raised alert: ids, dates and the service's own wording (no borrower data)."""
    rule = RULES_BY_ID.get(record.rule)
    citation = rule.citation if rule else None
    return AlertMessage(
        alert_id=record.alert_id, level=record.level,  # type: ignore[arg-type]
        case_id=record.case_id, rule=record.rule, citation=citation, clock_id=record.clock_id, due=record.due,
        status="open" if record.level == "approaching" else "breached", recipients=record.recipients,
        routed_to=Route(manager_id=record.manager_id, team=record.team), created_at=record.raised_at,
        text=_wording(record, citation),
    )


def _wording(record: AlertRecord, citation: str | None) -> str:
    what = f"{record.rule} ({citation})" if citation else record.rule
    if record.level == "approaching":
        when = "today" if record.lead_days == 0 else f"in {record.lead_days} business day(s)"
        return f"Case {record.case_id}: {what} is due {when}, on {record.due.isoformat()}."
    if record.level == "escalated":
        return (f"Escalation: case {record.case_id}: {what} was due {record.due.isoformat()}; its breach alert "
                "has not been acknowledged.")
    return f"Case {record.case_id}: {what} was due {record.due.isoformat()} and is breached."


def enqueuer(monitoring: Monitoring, *, now: datetime) -> OnRaised:
    """The scans' on_raised hook: record each new alert's deliveries in the raising transaction."""

    def on_raised(conn: Connection, records: Sequence[AlertRecord]) -> None:
        enqueue(conn, [message_for(r) for r in records], monitoring.channels, now=now)

    return on_raised


def run_breach_scan(monitoring: Monitoring, *, now: datetime) -> ScanReport:
    """Breaches, resolutions and escalations at `now`, then send what they raised."""
    report = breach_pass(monitoring.engine, now=now, policy=monitoring.policy, on_raised=enqueuer(monitoring, now=now))
    _log_report("breach_scan_finished", report)
    send_pending(monitoring, now=now)
    if monitoring.metrics is not None and report.leader:
        opened, breached = portfolio_counts(monitoring.engine)
        monitoring.metrics.open_clocks.set(opened)
        monitoring.metrics.breaches.set(breached)
    return report


def run_approaching_scan(monitoring: Monitoring, *, now: datetime) -> ScanReport:
    """Approaching reminders at `now`, then send them."""
    report = approaching_pass(
        monitoring.engine, now=now, policy=monitoring.policy, on_raised=enqueuer(monitoring, now=now)
    )
    _log_report("approaching_scan_finished", report)
    send_pending(monitoring, now=now)
    return report


def send_pending(monitoring: Monitoring, *, now: datetime) -> int:
    """Attempt every delivery due at `now` (new alerts and scheduled retries); how many were attempted."""
    attempted = 0
    try:
        for _ in range(MAX_RETRY_PAGES):
            results = retry_due(monitoring.channels, store=monitoring.engine, now=now, policy=monitoring.retry,
                                limit=RETRY_PAGE)
            attempted += len(results)
            if len(results) < RETRY_PAGE:
                break
    except Exception:  # noqa: BLE001 - delivery trouble must never fail the scan; the retry job tries again
        log.exception("alert_delivery_pass_failed")
    return attempted


def run_delivery_retry(monitoring: Monitoring, *, now: datetime) -> int:
    """The delivery-retry job: send deliveries whose backoff has elapsed."""
    return send_pending(monitoring, now=now)


def run_digest(monitoring: Monitoring, *, now: datetime) -> int:
    """One digest per manager (unassigned cases: the fallback recipients) for today in the servicer's zone."""
    day = now.astimezone(monitoring.servicer_zone).date()
    lines = digest_lines(monitoring.engine, now=now, days=monitoring.digest_days)
    messages = [_digest_message(line, day=day, now=now, monitoring=monitoring) for line in lines]
    if messages:
        deliver_many(messages, monitoring.channels, store=monitoring.engine, now=now, policy=monitoring.retry)
    log.info("digest_sent", managers=len(messages), day=day.isoformat())
    return len(messages)


def _digest_message(line: DigestLine, *, day: date, now: datetime, monitoring: Monitoring) -> AlertMessage:
    recipients = recipients_for(line.manager_id, fallback=monitoring.policy.fallback_recipients)
    text = (f"Daily digest {day.isoformat()}: {line.breached} breach alert(s) and {line.approaching} reminder(s) open; "
            f"{line.due_soon} deadline(s) due in the next {monitoring.digest_days} days.")
    return AlertMessage(
        alert_id=digest_id(line.manager_id or "unassigned", day),
        level="digest", case_id=None, rule=None, citation=None, clock_id=None, due=None, status="digest",
        recipients=recipients, routed_to=Route(manager_id=line.manager_id, team=None), created_at=now, text=text,
    )


def _log_report(name: str, report: ScanReport) -> None:
    log.info(name, leader=report.leader, breached=len(report.breached), escalated=len(report.escalated),
             approaching=len(report.approaching), resolved=len(report.resolved))

"""The bodies of the monitoring jobs: scan, hand new alerts to the delivery engine, retry, digest.

New alerts get their deliveries inside the transaction that raises them (an alert is never committed
without its deliveries), already claimed by the raising process, and are sent after the pass has committed,
so a slow or failing channel never holds the scan's locks or stops it; each (alert, channel) is sent once
whichever process raised or later claims it.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import structlog
from sqlalchemy import Connection, Engine

from api.metrics import ServiceMetrics
from api.notify import (
    AlertMessage,
    Channel,
    RetryPolicy,
    Route,
    channels_from_settings,
    deliver_many,
    hold,
    retry_due,
    send_held,
)
from api.notify import policy_from_settings as retry_policy_from_settings
from api.recording import append_policy
from api.settings import Settings
from audit import deliveries
from audit.alerts import AlertRecord
from audit.deliveries import Claim
from audit.digest import DigestLine, digest_lines, portfolio_counts
from audit.monitoring import ScanReport, approaching_pass, breach_pass
from audit.projections import Projector
from audit.scans import MonitoringPolicy
from audit.store import AppendPolicy
from compliance.alerting import digest_id, recipients_for
from compliance.rulebook import RULES_BY_ID

log = structlog.get_logger()
RETRY_PAGE = 500
MAX_RETRY_PAGES = 100  # one pass sends at most this many pages; the next pass continues


def projecting_policy(settings: Settings) -> AppendPolicy:
    """The store's policy as configured, with the projection hook (issue 4: read models in the same transaction)."""
    projector = Projector(calendar=settings.calendar_policy, readings=settings.readings)
    return replace(append_policy(settings), on_appended=projector)


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
    engine: Engine, settings: Settings, *, metrics: ServiceMetrics | None = None,
    channels: Sequence[Channel] | None = None,
) -> Monitoring:
    """The monitoring context the settings describe."""
    policy = MonitoringPolicy(
        leads=tuple(settings.approaching_leads), escalate_after=timedelta(hours=settings.escalate_after_hours),
        fallback_recipients=tuple(settings.alert_fallback_recipients),
        escalation_recipients=tuple(settings.escalation_recipients), batch_size=settings.scan_batch_size,
        append=projecting_policy(settings),
    )
    return Monitoring(
        engine=engine, policy=policy,
        channels=tuple(channels if channels is not None else channels_from_settings(settings)),
        retry=retry_policy_from_settings(settings), servicer_zone=ZoneInfo(settings.default_timezone),
        digest_days=settings.digest_days_ahead, metrics=metrics,
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


class Handover:
    """The scans' on_raised hook for one pass: deliveries recorded in the raising transaction, held by this
    process (a lease, as `claim_due` takes), then sent once the pass has committed them.

    Holding them at once spares a claiming transaction (a durable commit) per page, and the lease keeps
    other processes away until this one has sent; if this process stops first, the lease runs out and the
    retry job of any process sends them (the delivery log shows `lease_expired`).
    """

    def __init__(self, monitoring: Monitoring, *, now: datetime) -> None:
        self._monitoring, self._now = monitoring, now
        self._token = str(uuid.uuid4())  # one claim token for the pass: all its deliveries share the lease
        self._held_since = time.monotonic()  # the lease ends at now + lease: sending must finish well before
        self._claims: list[Claim] = []
        self._messages: dict[str, AlertMessage] = {}

    def __call__(self, conn: Connection, records: Sequence[AlertRecord]) -> None:
        """Record the deliveries of `records` (alerts this process just won) in their transaction."""
        m, messages = self._monitoring, [message_for(r) for r in records]
        self._claims += hold(conn, messages, m.channels, now=self._now, policy=m.retry, token=self._token)
        self._messages.update((message.alert_id, message) for message in messages)

    def send(self, committed: Iterable[AlertRecord]) -> int:
        """Send the held deliveries of the `committed` alerts (those the pass reports as raised) and record
        the outcomes; how many were attempted. A claim of any other alert is given back, never sent."""
        ids = {record.alert_id for record in committed}
        m, held, self._claims = self._monitoring, self._claims, []
        try:
            self._give_back([c for c in held if c.alert_id not in ids])
            return len(send_held([c for c in held if c.alert_id in ids], m.channels, store=m.engine, now=self._now,
                                 policy=m.retry, known=self._messages, held_since=self._held_since))
        except Exception:  # noqa: BLE001 - delivery trouble must never fail the scan; the lease then runs out
            log.exception("alert_delivery_pass_failed")
            return 0

    def release(self) -> None:
        """Give every held delivery back (the pass failed); a failure to do so is logged, the lease then runs out.

        Only the pages that committed have rows under this token; the others' claims match nothing.
        """
        claims, self._claims = self._claims, []
        try:
            self._give_back(claims)
        except Exception:  # noqa: BLE001 - the pass's own error is the one to raise
            log.exception("alert_delivery_release_failed")

    def _give_back(self, claims: Sequence[Claim]) -> None:
        # Due again at once for the retry job, the attempt not counted.
        deliveries.release(self._monitoring.engine, claims, now=self._now)


Pass = Callable[..., ScanReport]


def raise_and_send(monitoring: Monitoring, scan_pass: Pass, *, now: datetime) -> ScanReport:
    """Run one monitoring pass at `now` with a Handover, then send what it raised."""
    handover = Handover(monitoring, now=now)
    try:
        report = scan_pass(monitoring.engine, now=now, policy=monitoring.policy, on_raised=handover)
    except BaseException:
        handover.release()
        raise
    handover.send(report.raised)
    return report


def run_breach_scan(monitoring: Monitoring, *, now: datetime) -> ScanReport:
    """Breaches, resolutions and escalations at `now`, then send what they raised and any retries due."""
    report = raise_and_send(monitoring, breach_pass, now=now)
    _log_report("breach_scan_finished", report)
    send_pending(monitoring, now=now)
    if monitoring.metrics is not None and report.leader:
        opened, breached = portfolio_counts(monitoring.engine)
        monitoring.metrics.open_clocks.set(opened)
        monitoring.metrics.breaches.set(breached)
    return report


def run_approaching_scan(monitoring: Monitoring, *, now: datetime) -> ScanReport:
    """Approaching reminders at `now`, then send them and any retries due."""
    report = raise_and_send(monitoring, approaching_pass, now=now)
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

"""APScheduler 3.x (BackgroundScheduler) running the monitoring jobs, in the service or standalone.

Jobs: the breach scan and the approaching scan (every `scan_interval_seconds`), the delivery-retry pass, and
one daily digest per manager (CronTrigger in the servicer's zone). Every job reads the clock once, in its
body, and hands `now` down: nothing below api/ reads the clock.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import structlog
from apscheduler.events import EVENT_JOB_SUBMITTED, JobSubmissionEvent
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from api.alert_jobs import (
    Monitoring,
    build_monitoring,
    run_approaching_scan,
    run_breach_scan,
    run_delivery_retry,
    run_digest,
)
from api.log_config import configure_logging
from api.metrics import ServiceMetrics
from api.settings import Settings
from audit.database import make_engine
from audit.migrate import upgrade

log = structlog.get_logger()
Clock = Callable[[], datetime]
Job = Callable[..., Any]
# A late digest is still useful for a working morning; after that the next day's digest is the one to send.
DIGEST_GRACE = timedelta(hours=6)


def utc_now() -> datetime:
    """The wall clock: the one place the scheduler reads it."""
    return datetime.now(UTC)


def build_scheduler(monitoring: Monitoring, *, settings: Settings, clock: Clock = utc_now) -> BackgroundScheduler:
    """A scheduler (not started) with the four monitoring jobs.

    coalesce=True: runs missed while the process was busy or stopped collapse into one, so a restart after
    downtime runs each scan once instead of a burst (the scans are state-based: one run raises everything
    missed). max_instances=1: a slow scan is never overlapped by its next run in the same process (other
    processes are kept apart by the database: unique alerts and the leader lock). misfire_grace_time: a
    scan that could not start within one interval is dropped, because the next one is already due and loses
    nothing; a digest may start up to DIGEST_GRACE late, later than that it would be stale.
    """
    interval = settings.scan_interval_seconds
    scheduler = BackgroundScheduler(timezone=UTC)
    # The first scans run one interval after start, not at once: a service restart storm stays gentle.
    every = IntervalTrigger(seconds=interval, timezone=UTC)
    retry_every = settings.delivery_retry_interval_seconds
    jobs: list[tuple[str, Job, Any, int]] = [
        ("breach_scan", run_breach_scan, every, interval),
        ("approaching_scan", run_approaching_scan, every, interval),
        ("delivery_retry", run_delivery_retry, IntervalTrigger(seconds=retry_every, timezone=UTC), retry_every),
        ("daily_digest", run_digest,
         CronTrigger(hour=settings.digest_hour, minute=0, timezone=monitoring.servicer_zone),
         int(DIGEST_GRACE.total_seconds())),
    ]
    for job_id, body, trigger, grace in jobs:
        scheduler.add_job(_job(body, monitoring, clock), trigger, id=job_id, name=job_id.replace("_", " "),
                          coalesce=True, max_instances=1, misfire_grace_time=grace)
    if monitoring.metrics is not None:
        scheduler.add_listener(_lag_recorder(monitoring.metrics, clock), EVENT_JOB_SUBMITTED)
    return scheduler


def _job(body: Job, monitoring: Monitoring, clock: Clock) -> Callable[[], None]:
    """The job as scheduled: read the clock once, run, log any failure (the next run starts afresh)."""

    def run() -> None:
        now = clock()
        try:
            body(monitoring, now=now)
        except Exception:  # noqa: BLE001 - a failed run must not kill the scheduler; the next run retries
            log.exception("scheduler_job_failed", job=body.__name__)

    run.__name__ = body.__name__
    return run


def _lag_recorder(metrics: ServiceMetrics, clock: Clock) -> Callable[[JobSubmissionEvent], None]:
    def record(event: JobSubmissionEvent) -> None:
        if event.scheduled_run_times:
            lag = (clock() - event.scheduled_run_times[-1]).total_seconds()
            metrics.scheduler_lag.labels(job=event.job_id).set(max(lag, 0.0))

    return record


def service_scheduler(state: Any, *, clock: Clock | None = None) -> BackgroundScheduler | None:
    """The scheduler for the HTTP service's app.state (engine, settings, metrics), or None when disabled."""
    settings: Settings = state.settings
    if not settings.scheduler_enabled:
        return None
    monitoring = build_monitoring(state.engine, settings, metrics=getattr(state, "metrics", None))
    return build_scheduler(monitoring, settings=settings, clock=clock or utc_now)


def start_scheduler(state: Any, *, clock: Clock | None = None) -> None:
    """Build and start app.state.scheduler (for a lifespan that does not do it itself)."""
    state.scheduler = service_scheduler(state, clock=clock)
    if state.scheduler is not None:
        state.scheduler.start()


def stop_scheduler(state: Any) -> None:
    """Stop app.state.scheduler, waiting for running jobs to finish."""
    if getattr(state, "scheduler", None) is not None:
        state.scheduler.shutdown(wait=True)
        state.scheduler = None


def run_until_signalled(settings: Settings, *, clock: Clock = utc_now, stop: threading.Event | None = None) -> None:
    """The standalone scheduler: migrate, start the jobs, run until SIGTERM or SIGINT, then stop cleanly."""
    configure_logging(settings)
    engine = make_engine(settings.effective_database_url)
    upgrade(engine)
    stop = stop or threading.Event()
    for number in (signal.SIGTERM, signal.SIGINT):
        signal.signal(number, lambda *_args: stop.set())
    scheduler = build_scheduler(build_monitoring(engine, settings), settings=settings, clock=clock)
    scheduler.start()
    log.info("scheduler_started", jobs=[job.id for job in scheduler.get_jobs()])
    try:
        stop.wait()
    finally:
        scheduler.shutdown(wait=True)
        engine.dispose()
        log.info("scheduler_stopped")

"""One monitoring pass under a leader lock: breaches, resolutions, escalations, approaching reminders."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine

from audit.alert_upkeep import escalate, resolve_settled
from audit.alerts import AlertRecord
from audit.scans import (
    APPROACHING_LEADER_LOCK,
    BREACH_LEADER_LOCK,
    MonitoringPolicy,
    OnRaised,
    leader,
    scan_approaching,
    scan_breaches,
)


@dataclass(frozen=True)
class ScanReport:
    """What one pass did; `leader` is False when another process held the lock and this one skipped."""

    leader: bool
    breached: tuple[AlertRecord, ...] = ()
    escalated: tuple[AlertRecord, ...] = ()
    approaching: tuple[AlertRecord, ...] = ()
    resolved: tuple[tuple[str, str], ...] = ()

    @property
    def raised(self) -> tuple[AlertRecord, ...]:
        """Every alert this pass raised."""
        return self.breached + self.escalated + self.approaching


def breach_pass(
    engine: Engine, *, now: datetime, policy: MonitoringPolicy, on_raised: OnRaised | None = None
) -> ScanReport:
    """Record due breaches, then resolve what the projections settle, then escalate stale breach alerts."""
    with leader(engine, key=BREACH_LEADER_LOCK) as held:
        if not held:
            return ScanReport(leader=False)
        breached = scan_breaches(engine, now=now, policy=policy, on_raised=on_raised)
        # Resolving before escalating: a breach met late in the meantime is settled, not escalated.
        resolved = resolve_settled(engine, now=now)
        escalated = escalate(engine, now=now, policy=policy, on_raised=on_raised)
    return ScanReport(leader=True, breached=tuple(breached), escalated=tuple(escalated), resolved=tuple(resolved))


def approaching_pass(
    engine: Engine, *, now: datetime, policy: MonitoringPolicy, on_raised: OnRaised | None = None
) -> ScanReport:
    """Raise the approaching reminders due at `now` (its own leader lock, so it never waits for a breach pass)."""
    with leader(engine, key=APPROACHING_LEADER_LOCK) as held:
        if not held:
            return ScanReport(leader=False)
        reminders = scan_approaching(engine, now=now, policy=policy, on_raised=on_raised)
    return ScanReport(leader=True, approaching=tuple(reminders))


def scan(
    engine: Engine, *, now: datetime, policy: MonitoringPolicy, on_raised: OnRaised | None = None
) -> ScanReport:
    """Every monitoring step at `now`, state-based: a run after any stop raises all that was missed."""
    breaches = breach_pass(engine, now=now, policy=policy, on_raised=on_raised)
    reminders = approaching_pass(engine, now=now, policy=policy, on_raised=on_raised)
    return ScanReport(
        leader=breaches.leader and reminders.leader, breached=breaches.breached, escalated=breaches.escalated,
        approaching=reminders.approaching, resolved=breaches.resolved,
    )

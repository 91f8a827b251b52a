"""Counts for people and dashboards: the daily digest per manager, and the portfolio's open and breached clocks."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, func, select

from audit.alert_schema import alerts
from audit.alerts import LIVE_STATES
from audit.database import connect
from audit.projection_schema import clock_rows

_a, _c = alerts.c, clock_rows.c


@dataclass(frozen=True)
class DigestLine:
    """One manager's counts (manager_id None: unassigned cases, for the fallback recipients)."""

    manager_id: str | None
    breached: int = 0
    approaching: int = 0
    due_soon: int = 0


def digest_lines(target: Engine, *, now: datetime, days: int = 7) -> list[DigestLine]:
    """Per manager: live breach (and escalated) alerts, live reminders, open deadlines due within `days`."""
    today = now.astimezone(UTC).date()
    counts: dict[str | None, dict[str, int]] = {}
    with connect(target) as conn:
        live = conn.execute(
            select(_a.manager_id, _a.level, func.count()).where(_a.state.in_(LIVE_STATES))
            .group_by(_a.manager_id, _a.level)
        ).all()
        soon = conn.execute(
            select(_c.manager_id, func.count())
            .where(_c.status == "open", _c.breach_at.isnot(None), _c.due.between(today, today + timedelta(days=days)))
            .group_by(_c.manager_id)
        ).all()
    for manager, level, number in live:
        key = "approaching" if level == "approaching" else "breached"
        line = counts.setdefault(manager, {})
        line[key] = line.get(key, 0) + number
    for manager, number in soon:
        counts.setdefault(manager, {})["due_soon"] = number
    return [DigestLine(manager, **values) for manager, values in sorted(counts.items(), key=lambda kv: kv[0] or "")]


def portfolio_counts(target: Engine) -> tuple[int, int]:
    """(open clocks, breached clocks still unmet) across the portfolio, as the projections stand."""
    with connect(target) as conn:
        opened = conn.execute(select(func.count()).select_from(clock_rows).where(_c.status == "open")).scalar_one()
        breached = conn.execute(
            select(func.count()).select_from(clock_rows).where(_c.status == "breached", _c.met_by.is_(None))
        ).scalar_one()
    return int(opened), int(breached)

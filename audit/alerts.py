"""Alert rows: raise once (ON CONFLICT DO NOTHING), list, acknowledge (recorded in the case log), settle."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, Engine, Row, select, update

from audit.alert_schema import alerts
from audit.append_rows import lock_head
from audit.bulk_insert import insert_new_rows
from audit.database import connect, write_transaction
from audit.errors import StoreError
from audit.reads import recorded_at_text
from audit.store import Actor, AppendPolicy, append

LIVE_STATES = ("open", "acknowledged", "escalated")
# CONTRACT §2 / issue 4: an alert is acknowledged by a manager.
ACKNOWLEDGING_ROLES = frozenset({"manager"})
_a = alerts.c


class AlertNotFound(StoreError):
    """No alert has this id."""

    def __init__(self, alert_id: str) -> None:
        self.alert_id = alert_id
        super().__init__(f"alert {alert_id} does not exist")


class AlertStateConflict(StoreError):
    """The alert's state does not allow the change (e.g. acknowledging a resolved alert)."""

    def __init__(self, alert_id: str, state: str, action: str) -> None:
        self.alert_id = alert_id
        self.state = state
        super().__init__(f"alert {alert_id} is {state}: it cannot be {action}")


class AlertNotPermitted(StoreError):
    """The actor's role may not do this to an alert."""

    def __init__(self, role: str, action: str) -> None:
        self.role = role
        super().__init__(f"the {role} role may not {action} an alert")


@dataclass(frozen=True)
class AlertRecord:
    """One alert as stored."""

    alert_id: str
    clock_id: str
    case_id: str
    rule: str
    level: str
    lead_days: int
    due: date
    raised_at: datetime
    manager_id: str | None
    team: str | None
    recipients: tuple[str, ...]
    state: str = "open"
    acknowledged_by: str | None = None
    acknowledged_at: datetime | None = None
    resolved_at: datetime | None = None
    resolved_reason: str | None = None
    escalated_at: datetime | None = None


def insert_new(conn: Connection, records: Sequence[AlertRecord]) -> list[AlertRecord]:
    """Insert alerts whose (clock, level, due, lead) is new; return those this call inserted (the winners).

    The database decides: with several scheduler processes racing, exactly one insert of a key succeeds and
    the others do nothing (PostgreSQL makes the losers wait for the winner's commit, then skip).
    """
    rows = [_row(r) for r in records]
    won = {alert for (alert,) in insert_new_rows(conn, alerts, rows, key=_KEY, returning=("alert_id",))}
    return [r for r in records if r.alert_id in won]


_KEY = ("clock_id", "level", "due", "lead_days")  # uq_alerts_clock_level_due


def _row(record: AlertRecord) -> dict[str, Any]:
    return {
        "alert_id": record.alert_id, "clock_id": record.clock_id, "case_id": record.case_id, "rule": record.rule,
        "level": record.level, "lead_days": record.lead_days, "due": record.due,
        "raised_at": recorded_at_text(record.raised_at), "manager_id": record.manager_id, "team": record.team,
        "recipients": json.dumps(list(record.recipients)), "state": record.state,
        "acknowledged_by": None, "acknowledged_at": None, "resolved_at": None, "resolved_reason": None,
        "escalated_at": None,
    }


def record_of(row: Row[Any]) -> AlertRecord:
    """An alerts row as an AlertRecord."""
    return AlertRecord(
        alert_id=row.alert_id, clock_id=row.clock_id, case_id=row.case_id, rule=row.rule, level=row.level,
        lead_days=row.lead_days, due=row.due, raised_at=_instant(row.raised_at), manager_id=row.manager_id,
        team=row.team, recipients=tuple(json.loads(row.recipients)), state=row.state,
        acknowledged_by=row.acknowledged_by, acknowledged_at=_instant(row.acknowledged_at),
        resolved_at=_instant(row.resolved_at), resolved_reason=row.resolved_reason,
        escalated_at=_instant(row.escalated_at),
    )


def _instant(text: str | None) -> Any:
    return datetime.fromisoformat(text) if text else None


@dataclass(frozen=True)
class AlertFilter:
    """Which alerts to list; None means any."""

    state: str | None = None
    level: str | None = None
    team: str | None = None
    manager_id: str | None = None
    case_id: str | None = None


def list_alerts(
    target: Engine | Connection, filters: AlertFilter | None = None, *, limit: int = 100, after: str | None = None
) -> list[AlertRecord]:
    """Alerts matching `filters`, oldest raised first; `after` (an alert id) continues a previous page."""
    filters = filters or AlertFilter()
    query = select(alerts).order_by(_a.raised_at, _a.alert_id).limit(limit)
    for column, wanted in (("state", filters.state), ("level", filters.level), ("team", filters.team),
                           ("manager_id", filters.manager_id), ("case_id", filters.case_id)):
        if wanted is not None:
            query = query.where(_a[column] == wanted)
    with connect(target) as conn:
        if after is not None:
            mark = conn.execute(select(_a.raised_at).where(_a.alert_id == after)).scalar_one_or_none()
            if mark is None:
                raise AlertNotFound(after)
            query = query.where((_a.raised_at > mark) | ((_a.raised_at == mark) & (_a.alert_id > after)))
        return [record_of(row) for row in conn.execute(query)]


def get_alert(target: Engine | Connection, alert_id: str) -> AlertRecord:
    """One alert by id; AlertNotFound otherwise."""
    with connect(target) as conn:
        row = conn.execute(select(alerts).where(_a.alert_id == alert_id)).one_or_none()
    if row is None:
        raise AlertNotFound(alert_id)
    return record_of(row)


def acknowledge_alert(
    target: Engine | Connection, alert_id: str, *, actor: Actor, now: datetime, policy: AppendPolicy | None = None
) -> AlertRecord:
    """A manager saw the alert: `alert_acknowledged` goes into the case log and the alert is acknowledged.

    Acknowledging an acknowledged alert changes nothing (no second event); a resolved one cannot be.
    """
    if actor.role not in ACKNOWLEDGING_ROLES:
        raise AlertNotPermitted(actor.role, "acknowledge")
    with write_transaction(target) as conn:
        lock_head(conn)  # the lock order of every writer: the log head first, then alert rows
        row = conn.execute(select(alerts).where(_a.alert_id == alert_id).with_for_update()).one_or_none()
        if row is None:
            raise AlertNotFound(alert_id)
        record = record_of(row)
        if record.state == "acknowledged":
            return record
        if record.state == "resolved":
            raise AlertStateConflict(alert_id, record.state, "acknowledged")
        event = {"type": "alert_acknowledged", "occurred_at": now.isoformat(), "data": {"alert_id": alert_id}}
        append(conn, record.case_id, [event], expected_version=None, actor=actor, now=now, policy=policy)
        conn.execute(update(alerts).where(_a.alert_id == alert_id).values(
            state="acknowledged", acknowledged_by=actor.id, acknowledged_at=recorded_at_text(now)))
    return replace(record, state="acknowledged", acknowledged_by=actor.id, acknowledged_at=now)


def resolve(conn: Connection, alert_id: str, *, reason: str, now: datetime) -> bool:
    """Settle a live alert with its reason; False when it was already resolved."""
    result = conn.execute(
        update(alerts).where(_a.alert_id == alert_id, _a.state.in_(LIVE_STATES))
        .values(state="resolved", resolved_at=recorded_at_text(now), resolved_reason=reason)
    )
    return bool(result.rowcount)


def mark_escalated(conn: Connection, alert_id: str, *, now: datetime) -> bool:
    """An open (unacknowledged) alert was escalated; False when it was acknowledged or settled meanwhile."""
    result = conn.execute(
        update(alerts).where(_a.alert_id == alert_id, _a.state == "open")
        .values(state="escalated", escalated_at=recorded_at_text(now))
    )
    return bool(result.rowcount)

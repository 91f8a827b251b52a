"""Recorded breaches of a case, read from its own log: when the scan detected each one and who acknowledged it.

The monitoring scan records `deadline_breached` (system actor) when it raises a breach alert, and a manager's
acknowledgement is recorded as `alert_acknowledged` naming the alert. Alert ids are derived from (clock, level,
due), so both are matched from the log alone: what the export shows about breaches is itself verifiable.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from audit.reads import StoredEvent
from compliance.alerting import alert_id

ALERT_LEVELS = ("breached", "escalated")  # an acknowledgement of either alert acknowledges the breach


@dataclass(frozen=True)
class BreachRecord:
    """One recorded breach: the clock, when the service detected it, and the acknowledgement, if any."""

    clock_id: str
    rule: str
    due: str
    event_id: str
    detected_at: str
    detected_by: str
    alert_id: str
    acknowledged_by: str | None = None
    acknowledged_at: str | None = None
    acknowledged_event_id: str | None = None

    def to_json(self) -> dict[str, Any]:
        """Plain JSON values."""
        return dict(self.__dict__)


def breach_records(stored: Sequence[StoredEvent]) -> list[BreachRecord]:
    """Every deadline_breached of the case in log order, with the first acknowledgement of its alerts."""
    acks: dict[str, StoredEvent] = {}
    for event in stored:
        if event.type == "alert_acknowledged":
            acks.setdefault(str(event.data.get("alert_id")), event)
    out = []
    for event in stored:
        if event.type != "deadline_breached":
            continue
        clock, due = str(event.data["clock_id"]), str(event.data["due"])
        ids = [alert_id(clock, level, date.fromisoformat(due)) for level in ALERT_LEVELS]
        ack = next((acks[i] for i in ids if i in acks), None)
        out.append(BreachRecord(
            clock_id=clock, rule=str(event.data.get("rule")), due=due, event_id=event.id,
            detected_at=event.recorded_at, detected_by=event.actor_id, alert_id=ids[0],
            acknowledged_by=ack.actor_id if ack else None, acknowledged_at=ack.recorded_at if ack else None,
            acknowledged_event_id=ack.id if ack else None,
        ))
    return out

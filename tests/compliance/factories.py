"""Plain builders for case-file events and a given/when/then harness over the real engine."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from compliance.casefile import parse_casefile
from compliance.engine import compute_clocks, timeline_json
from compliance.evaluation import Readings
from timelines.calendar import calendar_for

CASE_DEFAULTS: dict[str, Any] = {
    "id": "C-TEST",
    "loan_id": "L-TEST",
    "borrower_ref": "B-TEST",
    "property_state": "NY",
    "timezone": "America/New_York",
    "principal_residence": True,
    "lien_position": "first",
    "small_servicer": False,
    "fdcpa_debt_collector": False,
}


def event(kind: str, occurred_at: str, *, event_id: str | None = None, **data: Any) -> dict[str, Any]:
    """One case-file event; keyword arguments become its data."""
    out: dict[str, Any] = {"type": kind, "occurred_at": occurred_at, "data": data}
    if event_id:
        out["id"] = event_id
    return out


def casefile(*events: dict[str, Any], as_of: str, calendar: str = "us-6103a", **case: Any) -> dict[str, Any]:
    """A CONTRACT §5 case file with the default profile overridden by `case`."""
    return {"case": {**CASE_DEFAULTS, **case}, "calendar": calendar, "as_of": as_of, "events": list(events)}


def run(raw: dict[str, Any], *, readings: Readings | None = None) -> dict[str, Any]:
    """The calculator answer (CONTRACT §6) for a case file."""
    parsed = parse_casefile(raw, default_as_of=date(2000, 1, 1))
    clocks = compute_clocks(
        parsed.case_id, parsed.profile, parsed.events, calendar_for(parsed.calendar), parsed.as_of, readings=readings
    )
    return timeline_json(parsed.case_id, parsed.as_of, parsed.calendar, clocks)


@dataclass
class Scenario:
    """given(*history).when(*events).on(as_of) then assertions on the clocks it yields."""

    history: list[dict[str, Any]] = field(default_factory=list)
    profile: dict[str, Any] = field(default_factory=dict)
    readings: Readings | None = None

    def when(self, *events: dict[str, Any]) -> Scenario:
        return Scenario([*self.history, *events], self.profile, self.readings)

    def on(self, as_of: str, *, calendar: str = "us-6103a") -> list[dict[str, Any]]:
        answer = run(casefile(*self.history, as_of=as_of, calendar=calendar, **self.profile), readings=self.readings)
        return answer["clocks"]


def given(*events: dict[str, Any], readings: Readings | None = None, **profile: Any) -> Scenario:
    """Start a scenario from a history (and case profile overrides)."""
    return Scenario(list(events), profile, readings)


def clock(
    clocks: list[dict[str, Any]], rule: str, *, trigger_type: str | None = None, on: str | None = None
) -> dict[str, Any]:
    """The single clock of `rule` (optionally by trigger type and date); fails loudly if absent or ambiguous."""
    found = [
        c for c in clocks
        if c["rule"] == rule and (trigger_type is None or c["trigger"]["type"] == trigger_type)
        and (on is None or c["trigger"]["on"] == on)
    ]
    assert len(found) == 1, f"expected one {rule} clock (type={trigger_type}, on={on}), found {len(found)}: {found}"
    return found[0]


def rules_of(clocks: list[dict[str, Any]]) -> list[str]:
    """The rule ids present, in order."""
    return [c["rule"] for c in clocks]

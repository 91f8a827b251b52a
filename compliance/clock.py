"""The computed clock of CONTRACT §6 as an immutable value, and its exact JSON shape."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Literal

Kind = Literal["deadline", "window", "bar", "check"]
Status = Literal["open", "met", "breached", "cancelled", "not_applicable"]


@dataclass(frozen=True)
class Trigger:
    """The event a clock runs from: its id, type, legal date and (for contact checks) timestamp."""

    event_id: str
    type: str
    on: date
    at: datetime | None = None

    def to_json(self) -> dict[str, object]:
        return {
            "event_id": self.event_id,
            "type": self.type,
            "on": self.on.isoformat(),
            "at": self.at.isoformat() if self.at else None,
        }


@dataclass(frozen=True)
class Alternative:
    """The same clock's date under another calendar policy (CONTRACT §4: disagreement made visible)."""

    calendar: str
    due: date

    def to_json(self) -> dict[str, object]:
        return {"calendar": self.calendar, "due": self.due.isoformat()}


@dataclass(frozen=True)
class Clock:
    """One regulatory clock for one trigger; `due`, `closes` or `not_before` by kind."""

    id: str
    rule: str
    citation: str
    kind: Kind
    trigger: Trigger
    status: Status
    calendar: str
    due: date | None = None
    closes: date | None = None
    not_before: date | None = None
    met_by: str | None = None
    met_on: date | None = None
    derivation: tuple[str, ...] = ()
    alternatives: tuple[Alternative, ...] = ()
    reason: str | None = None
    finding: str | None = None
    flags: tuple[str, ...] = field(default=())

    def to_json(self) -> dict[str, object]:
        """CONTRACT §6 shape; keys present only where they apply to the kind, plus reason/finding/flags."""
        out: dict[str, object] = {
            "id": self.id,
            "rule": self.rule,
            "citation": self.citation,
            "kind": self.kind,
            "trigger": self.trigger.to_json(),
        }
        if self.kind == "window":
            out["closes"] = _iso(self.closes)
        elif self.kind == "bar":
            out["not_before"] = _iso(self.not_before)
        else:
            out["due"] = _iso(self.due)
        out.update(
            {
                "status": self.status,
                "met_by": self.met_by,
                "met_on": _iso(self.met_on),
                "calendar": self.calendar,
                "derivation": list(self.derivation),
                "alternatives": [a.to_json() for a in self.alternatives],
            }
        )
        if self.reason is not None:
            out["reason"] = self.reason
        if self.finding is not None:
            out["finding"] = self.finding
        if self.flags:
            out["flags"] = list(self.flags)
        return out


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None

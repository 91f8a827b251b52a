"""A case as the case page tells it: its trail with corrections shown as corrections, and its contact log."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from compliance.envelope import legal_date, parse_occurred_at

JSON = dict[str, Any]


@dataclass
class EventView:
    """One stored event, its legal date, and the later events that corrected or voided it."""

    event: JSON
    on: date
    corrected_by: list[int] = field(default_factory=list)
    voided_by: list[int] = field(default_factory=list)


@dataclass(frozen=True)
class Change:
    """One field a correction replaced."""

    field: str
    before: Any
    after: Any


@dataclass(frozen=True)
class CorrectionView:
    """An entry_corrected or entry_voided event beside the event it names (None if that is not in the trail)."""

    by: JSON
    original: JSON | None
    voids: bool
    reason: str
    changes: tuple[Change, ...]


@dataclass(frozen=True)
class ContactView:
    """A contact_logged event and what the Regulation F / 1006.6 checks found about it."""

    event: JSON
    findings: tuple[JSON, ...]  # breached checks
    checks: tuple[JSON, ...]  # every applicable check (met or breached)


@dataclass(frozen=True)
class CaseStory:
    """The page's reading of a case: events, corrections and voids, contacts."""

    events: tuple[EventView, ...]
    corrections: tuple[CorrectionView, ...]
    contacts: tuple[ContactView, ...]


def legal_day(event: Mapping[str, Any], zone: ZoneInfo) -> date:
    """The event's legal date (CONTRACT §1): occurred_at's date in the case's zone."""
    return legal_date(parse_occurred_at(event["occurred_at"]), zone)


def _changes(original: JSON | None, replacement: Mapping[str, Any]) -> tuple[Change, ...]:
    before = original or {"occurred_at": None, "data": {}}
    found = []
    if replacement.get("occurred_at"):
        found.append(Change("occurred_at", before["occurred_at"], replacement["occurred_at"]))
    for name, value in (replacement.get("data") or {}).items():
        found.append(Change(name, before["data"].get(name), value))
    return tuple(found)


def _correction(event: JSON, by_id: Mapping[str, EventView]) -> CorrectionView:
    data = event["data"]
    voids = event["type"] == "entry_voided"
    target = by_id.get(data.get("voids") if voids else data.get("corrects"))
    if target is not None:
        (target.voided_by if voids else target.corrected_by).append(event["version"])
    original = target.event if target is not None else None
    changes = () if voids else _changes(original, data.get("replacement") or {})
    return CorrectionView(by=event, original=original, voids=voids, reason=str(data.get("reason", "")),
                          changes=changes)


def _contact(event: JSON, checks_by_trigger: Mapping[str, list[JSON]]) -> ContactView:
    checks = [c for c in checks_by_trigger.get(event["id"], []) if c["status"] in ("met", "breached")]
    return ContactView(event=event, findings=tuple(c for c in checks if c["status"] == "breached"),
                       checks=tuple(checks))


def case_story(events: Sequence[JSON], clocks: Sequence[JSON], *, zone: ZoneInfo) -> CaseStory:
    """Read a trail (version order) and its clocks into the page's story."""
    views = [EventView(event=e, on=legal_day(e, zone)) for e in events]
    by_id = {v.event["id"]: v for v in views}
    corrections = tuple(_correction(e, by_id) for e in events if e["type"] in ("entry_corrected", "entry_voided"))
    checks_by_trigger: dict[str, list[JSON]] = {}
    for clock in clocks:
        if clock["kind"] == "check":
            checks_by_trigger.setdefault(clock["trigger"]["event_id"], []).append(clock)
    contacts = tuple(_contact(e, checks_by_trigger) for e in events if e["type"] == "contact_logged")
    return CaseStory(events=tuple(views), corrections=corrections, contacts=contacts)

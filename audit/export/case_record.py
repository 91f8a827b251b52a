"""One case as the export files show it: event lines, clocks with breaches, contacts and corrections.

Every view here is built from the (possibly redacted) event lines or scrubbed by the redactor, so that no file
of a redacted export, the PDF included, can carry a withheld value.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from audit.export.case_material import CaseMaterial
from audit.export.event_lines import event_line
from audit.export.redaction import Redactor
from compliance.contact_ledger import ContactEntry
from compliance.envelope import legal_date, parse_occurred_at


@dataclass(frozen=True)
class CaseRecord:
    """The exported views of one case."""

    case_id: str
    profile: dict[str, Any]
    calendar: str
    timezone: str
    as_of: str
    lines: list[dict[str, Any]]
    clocks: list[dict[str, Any]]
    breaches: list[dict[str, Any]]
    contacts: list[dict[str, Any]]
    corrections: list[dict[str, Any]]

    def clocks_json(self) -> dict[str, Any]:
        """clocks.json: the calculator answer of CONTRACT §6 with each clock's recorded breaches."""
        return {"case_id": self.case_id, "as_of": self.as_of, "calendar": self.calendar, "timezone": self.timezone,
                "clocks": self.clocks, "breaches": self.breaches}


def build_record(material: CaseMaterial, redactor: Redactor | None) -> CaseRecord:
    """The views of a case; with a redactor, sensitive values are pseudonyms everywhere."""
    lines = [event_line(stored, redactor) for stored in material.stored]  # first: registers every withheld value
    scrub = redactor.scrub if redactor else (lambda value: value)
    breaches = [b.to_json() for b in material.breaches]
    clocks = [{**c.to_json(), "breaches": [b for b in breaches if b["clock_id"] == c.id]} for c in material.clocks]
    regf = material.profile.fdcpa_debt_collector
    return CaseRecord(
        case_id=material.case_id, profile=dict(lines[0]["data"]), calendar=material.calendar,
        timezone=material.profile.timezone, as_of=material.as_of.isoformat(), lines=lines, clocks=scrub(clocks),
        breaches=breaches, contacts=[scrub(contact_view(entry, regf_applies=regf)) for entry in material.contacts],
        corrections=corrections(lines),
    )


def contact_view(entry: ContactEntry, *, regf_applies: bool) -> dict[str, Any]:
    """One contact with its Regulation F counters and findings, and its effective channel, outcome and summary."""
    data: Any = entry.contact.data
    return {
        **entry.to_json(), "version": entry.contact.version, "zone_source": entry.zone_source,
        "channel": data.channel, "direction": data.direction, "outcome": data.outcome, "staff_id": data.staff_id,
        "summary": data.summary, "regf_applies": regf_applies,
    }


def corrections(lines: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each entry_corrected / entry_voided with the original it names: shown as corrections, never edits."""
    by_id = {line["id"]: line for line in lines}
    out = []
    for line in lines:
        if line["type"] not in ("entry_corrected", "entry_voided"):
            continue
        data = line["data"]
        target = by_id.get(data.get("corrects") or data.get("voids"))
        out.append({
            "kind": "correction" if line["type"] == "entry_corrected" else "void", "event_id": line["id"],
            "version": line["version"], "recorded_at": line["recorded_at"], "actor": line["actor"]["id"],
            "reason": data.get("reason"), "replacement": data.get("replacement"),
            "original": None if target is None else {
                "event_id": target["id"], "version": target["version"], "type": target["type"],
                "occurred_at": target["occurred_at"], "data": target["data"],
            },
        })
    return out


def legal_day(line: Mapping[str, Any], timezone: str) -> tuple[str | None, bool | None]:
    """(legal date, late entry?) of an event line in the case's zone; (None, None) if occurred_at is unreadable."""
    zone = ZoneInfo(timezone)
    try:
        day = legal_date(parse_occurred_at(line["occurred_at"]), zone)
    except ValueError:
        return None, None
    recorded = datetime.fromisoformat(line["recorded_at"].replace("Z", "+00:00")).astimezone(zone).date()
    return day.isoformat(), day < recorded

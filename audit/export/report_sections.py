"""The rows of each table of report.pdf and the lanes of its timeline picture, from a case record (pure)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from audit.canonical import canonical_json
from audit.export.case_record import CaseRecord, legal_day
from audit.export.timeline_chart import Lane

if TYPE_CHECKING:
    from audit.export.pdf_report import ReportFacts

DATE_FIELDS = ("due", "closes", "not_before")
PROFILE_FIELDS = (("loan_id", "Loan"), ("borrower_ref", "Borrower reference"), ("property_state", "Property state"),
                  ("investor", "Investor"), ("lien_position", "Lien position"),
                  ("principal_residence", "Principal residence"), ("small_servicer", "Small servicer"),
                  ("fdcpa_debt_collector", "FDCPA debt collector (Regulation F applies)"))


def clock_date(clock: Mapping[str, Any]) -> tuple[str, str | None]:
    """(which date, its value) of a clock: due, closes or not_before by kind."""
    for name in DATE_FIELDS:
        if name in clock:
            return name.replace("_", " "), clock[name]
    return "due", None


def identity_rows(record: CaseRecord, facts: ReportFacts) -> list[tuple[str, Any]]:
    """Who, what and under which rules: the identity and scope of the export."""
    profile = record.profile
    rows: list[tuple[str, Any]] = [("Case", record.case_id)]
    rows += [(label, _plain(profile.get(name))) for name, label in PROFILE_FIELDS]
    rows += [
        ("Time zone", record.timezone), ("Calendar policy", record.calendar), ("Clocks judged as of", record.as_of),
        ("Events", len(record.lines)), ("Rulebook version", facts.rulebook_version),
        ("Generator", f"lossmit-compliance {facts.generator_version}"), ("Requested by", facts.requested_by),
        ("Exported at (UTC)", facts.exported_at),
    ]
    return rows


def _plain(value: Any) -> Any:
    """yes / no for booleans, "not given" for a missing value."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    return "not given" if value is None else value


def local_time(text: str | None) -> str | None:
    """"2026-03-02 07:30 (UTC-05:00)" from an ISO timestamp with offset."""
    if not text:
        return None
    moment = datetime.fromisoformat(text)
    offset = moment.strftime("%z")
    return f"{moment:%Y-%m-%d %H:%M}" + (f" (UTC{offset[:3]}:{offset[3:5]})" if offset else "")


def clock_rows(record: CaseRecord) -> list[tuple[Any, ...]]:
    """Rule, citation, trigger, date, status, met by/on and notes of every clock."""
    names = {line["id"]: f"v{line['version']} {line['type']}" for line in record.lines}
    rows = []
    for clock in record.clocks:
        which, day = clock_date(clock)
        trigger = clock["trigger"]
        met_by = names.get(clock["met_by"], clock["met_by"]) if clock["met_by"] else None
        met = f"{met_by or ''} {clock['met_on'] or ''}".strip() or None
        alternatives = "; ".join(f"{a['calendar']}: {a['due']}" for a in clock.get("alternatives", []))
        notes = " ".join(filter(None, [clock.get("finding") or clock.get("reason"),
                                       f"other calendar: {alternatives}" if alternatives else None]))
        rows.append((clock["rule"], clock["citation"], f"{trigger['type']} {trigger['on']}",
                     f"{which} {day}" if day else None, clock["status"], met, notes or None))
    return rows


def breach_rows(record: CaseRecord) -> list[tuple[Any, ...]]:
    """Every recorded breach: rule, due date, when and by whom detected, and the acknowledgement."""
    return [
        (b["rule"], b["due"], b["detected_at"], b["detected_by"],
         f"{b['acknowledged_by']} at {b['acknowledged_at']}" if b["acknowledged_by"] else "not acknowledged")
        for b in record.breaches
    ]


def correction_rows(record: CaseRecord) -> list[tuple[Any, ...]]:
    """Each correction or void beside the original entry it names."""
    rows = []
    for fix in record.corrections:
        original = fix["original"]
        shown = "(not in this case)" if original is None else (
            f"v{original['version']} {original['type']} occurred {original['occurred_at']} "
            f"{canonical_json(original['data'])}")
        replacement = canonical_json(fix["replacement"]) if fix["replacement"] is not None else "(voided)"
        rows.append((fix["version"], fix["kind"], shown, replacement, fix["reason"]))
    return rows


def contact_rows(record: CaseRecord) -> list[tuple[Any, ...]]:
    """Each contact with its Regulation F counters and findings."""
    rows = []
    for contact in record.contacts:
        findings = "; ".join(contact["findings"].values()) or "none"
        if not contact["regf_applies"] and contact["findings"]:
            findings = "Regulation F does not bind this loan; would be: " + findings
        when = local_time(contact["borrower_local"] or contact["at"])
        rows.append((when, f"{contact['channel']} {contact['direction']}", contact["outcome"], contact["party"],
                     contact["calls_in_7_days"], findings))
    return rows


def event_rows(record: CaseRecord) -> list[tuple[Any, ...]]:
    """Every event of the log in version order."""
    return [(line["version"], line["position"], legal_day(line, record.timezone)[0], line["type"],
             line["recorded_at"], f"{line['actor']['id']} ({line['actor']['role']})") for line in record.lines]


def derivation_lines(record: CaseRecord) -> list[str]:
    """One line per clock: its id, then the counting steps that gave its date."""
    return [f"{clock['rule']} ({clock['trigger']['on']}): " + " → ".join(clock.get("derivation", []))
            for clock in record.clocks if clock.get("derivation")]


def chart_events(record: CaseRecord) -> list[tuple[date, str]]:
    """(legal date, type) of every event for the picture."""
    out = []
    for line in record.lines:
        day = legal_day(line, record.timezone)[0]
        if day:
            out.append((date.fromisoformat(day), line["type"]))
    return out


def chart_lanes(record: CaseRecord) -> list[Lane]:
    """One lane per clock, in the clock table's order."""
    lanes = []
    for clock in record.clocks:
        _, day = clock_date(clock)
        lanes.append(Lane(
            label=f"{clock['rule']} {clock['trigger']['on'][5:]}", start=date.fromisoformat(clock["trigger"]["on"]),
            end=date.fromisoformat(day) if day else None, status=clock["status"],
            met_on=date.fromisoformat(clock["met_on"]) if clock.get("met_on") else None,
        ))
    return lanes

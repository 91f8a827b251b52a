"""The stable CSV columns of every export file (documented in docs/export-format.md) and their row builders.

Columns are only ever added at the end, never renamed or reordered. Cells are plain text: dates and times as
ISO 8601, booleans as true/false, lists joined with "; ", nested JSON as canonical JSON. A cell that a
spreadsheet would run as a formula (leading = + - @, tab or CR) is prefixed with an apostrophe.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

from audit.canonical import canonical_json

EVENT_COLUMNS = (
    "position", "case_id", "version", "event_id", "type", "schema_version", "occurred_at", "legal_date",
    "recorded_at", "late_entry", "actor_id", "actor_role", "idempotency_key", "data", "prev_hash", "hash",
)
CLOCK_COLUMNS = (
    "case_id", "clock_id", "rule", "citation", "kind", "trigger_event_id", "trigger_type", "trigger_on",
    "trigger_at", "due", "closes", "not_before", "status", "met_by", "met_on", "calendar", "alternatives",
    "reason", "finding", "flags", "derivation", "breach_detected_at", "breach_detected_by", "breach_event_id",
    "acknowledged_by", "acknowledged_at",
)
CONTACT_COLUMNS = (
    "case_id", "event_id", "version", "occurred_at", "borrower_local", "zone", "zone_source", "channel",
    "direction", "outcome", "party", "staff_id", "outbound_call", "calls_in_7_days", "conversation_event_id",
    "conversation_through", "automatic_stay", "regf_applies", "finding_regf_call_frequency",
    "finding_regf_call_after_conversation", "finding_contact_inconvenient_time", "summary",
)
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def cell(value: Any) -> str:
    """One CSV cell as text (None is empty)."""
    if value is None:
        text = ""
    elif isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, Mapping | list | tuple) and not isinstance(value, str):
        text = canonical_json(value)
    else:
        text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def csv_lines(columns: Sequence[str], rows: Iterable[Mapping[str, Any]], *, header: bool = True) -> Iterator[bytes]:
    """RFC 4180 CSV, UTF-8, one encoded line per row (the header first), streamed."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    if header:
        writer.writerow(columns)
    for row in rows:
        writer.writerow([cell(row.get(name)) for name in columns])
        if buffer.tell() > 1 << 16:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode("utf-8")


def event_row(line: Mapping[str, Any], *, legal_date: str | None, late: bool | None) -> dict[str, Any]:
    """The events.csv row of one events.jsonl line (its legal date worked out in the case's zone)."""
    return {
        **{name: line[name] for name in ("position", "case_id", "version", "type", "schema_version", "occurred_at",
                                         "recorded_at", "idempotency_key", "prev_hash", "hash")},
        "event_id": line["id"], "legal_date": legal_date, "late_entry": late, "actor_id": line["actor"]["id"],
        "actor_role": line["actor"]["role"], "data": line["data"],
    }


def clock_row(case_id: str, clock: Mapping[str, Any]) -> dict[str, Any]:
    """The clocks.csv row of one clock (clocks.json form, with its recorded breaches)."""
    trigger, breaches = clock["trigger"], clock.get("breaches") or []

    def joined(name: str) -> str | None:
        return "; ".join(str(b.get(name) or "") for b in breaches) or None

    return {
        **{name: clock.get(name) for name in CLOCK_COLUMNS if name in clock and name not in ("trigger",)},
        "case_id": case_id, "clock_id": clock["id"], "trigger_event_id": trigger["event_id"],
        "trigger_type": trigger["type"], "trigger_on": trigger["on"], "trigger_at": trigger["at"],
        "alternatives": "; ".join(f"{a['calendar']}={a['due']}" for a in clock.get("alternatives", [])) or None,
        "flags": "; ".join(clock.get("flags", [])) or None, "derivation": " | ".join(clock.get("derivation", [])),
        "breach_detected_at": joined("detected_at"), "breach_detected_by": joined("detected_by"),
        "breach_event_id": joined("event_id"), "acknowledged_by": joined("acknowledged_by"),
        "acknowledged_at": joined("acknowledged_at"),
    }


def contact_row(case_id: str, contact: Mapping[str, Any]) -> dict[str, Any]:
    """The contacts.csv row of one contact (case_record.contact_view form)."""
    findings = contact.get("findings") or {}
    conversation = contact.get("conversation_period") or {}
    return {
        **{name: contact.get(name) for name in CONTACT_COLUMNS},
        "case_id": case_id, "occurred_at": contact.get("at"),
        "conversation_event_id": conversation.get("conversation"), "conversation_through": conversation.get("through"),
        **{f"finding_{rule}": text for rule, text in findings.items()},
    }

"""The stable CSV columns of every export file (documented in docs/export-format.md) and their row builders.

Columns are only ever added at the end, never renamed or reordered. Cells are plain text: dates and times as
ISO 8601, booleans as true/false, lists joined with "; ", nested JSON as canonical JSON. A cell that a
spreadsheet would run as a formula (leading = + - @, tab or CR) is prefixed with an apostrophe.
"""

from __future__ import annotations

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
    kind = type(value)  # the common types by identity first: this runs for every cell of every export file
    if kind is str:
        text = value
    elif value is None:
        return ""
    elif kind is bool:
        return "true" if value else "false"
    elif kind is int:
        text = str(value)
    elif isinstance(value, Mapping | list | tuple) and not isinstance(value, str):
        text = canonical_json(value)
    else:
        text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def csv_row(cells: Sequence[str]) -> str:
    """One line exactly as csv.writer writes it (QUOTE_MINIMAL, CRLF): the cells holding , " CR or LF quoted.

    Written here rather than by csv.writer, which took most of an export's CSV time (about 7 us a row); tests
    hold the two byte-identical (tests/audit/test_export_pages.py).
    """
    line = ",".join(cells)
    if len(cells) > 1 and line.count(",") == len(cells) - 1 and not ('"' in line or "\n" in line or "\r" in line):
        return line + "\r\n"
    if len(cells) == 1 and not cells[0]:
        return '""\r\n'  # csv.writer quotes a lone empty cell, or the line would read as no cell at all
    return ",".join([
        '"' + text.replace('"', '""') + '"' if '"' in text or "," in text or "\n" in text or "\r" in text else text
        for text in cells
    ]) + "\r\n"


def csv_lines(columns: Sequence[str], rows: Iterable[Mapping[str, Any]], *, header: bool = True) -> Iterator[bytes]:
    """RFC 4180 CSV, UTF-8, one encoded line per row (the header first), streamed in blocks of about 64 KiB."""
    lines, size = [csv_row(columns)] if header else [], 0
    for row in rows:
        line = csv_row([cell(row.get(name)) for name in columns])
        lines.append(line)
        size += len(line)
        if size > 1 << 16:
            yield "".join(lines).encode("utf-8")
            lines, size = [], 0
    yield "".join(lines).encode("utf-8")


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

"""Boarding case files (CONTRACT §5) into the log through the one write path, idempotently, case by case.

A case file's `case` object becomes the case's case_opened event (its `id` is the case id, every other field
is case_opened data) and its `events` follow in file order. The case_opened event is dated the earliest
legal date among the file's events (the case's history starts with its first fact), else `as_of`, else the
import day. `calendar` and `as_of` are not stored: they parameterise a calculation, not the case.
The idempotency key is derived from the case's content, so importing the same file again adds nothing.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import Connection, Engine

from audit.errors import ConcurrencyConflict, EventRejected, FieldError, IdempotencyConflict
from audit.store import Actor, AppendPolicy, AppendRequest, append_request
from compliance.envelope import legal_date, parse_occurred_at

CASE_FILE_FIELDS = frozenset({"case", "calendar", "as_of", "events"})
JSON_LINES_SUFFIXES = (".jsonl", ".ndjson")
_EVENT_LOC = re.compile(r"^events\[(\d+)\](.*)$")


@dataclass(frozen=True)
class CaseImport:
    """The outcome of importing one case: imported, unchanged (imported before) or rejected with reasons."""

    source: str
    case_id: str | None
    status: Literal["imported", "unchanged", "rejected"]
    events: int = 0
    errors: tuple[str, ...] = ()

    def describe(self) -> str:
        """One human-readable line (ids and field paths only: never payload values)."""
        subject = f"{self.source} case {self.case_id or '?'}"
        if self.status == "rejected":
            return f"{subject}: rejected, nothing imported: " + "; ".join(self.errors)
        return f"{subject}: {self.status} ({self.events} events)"


def import_files(
    target: Engine | Connection, paths: Iterable[Path], *, now: datetime, policy: AppendPolicy | None = None
) -> list[CaseImport]:
    """Import every case of every file; one case's refusal never stops the others."""
    outcomes = []
    for path in paths:
        actor = Actor(id=f"import:{path.name}"[:200], role="admin")
        for source, parsed in read_case_files(path):
            if isinstance(parsed, str):
                outcomes.append(CaseImport(source, None, "rejected", errors=(parsed,)))
            else:
                outcomes.append(import_case(target, parsed, source=source, actor=actor, now=now, policy=policy))
    return outcomes


def read_case_files(path: Path) -> list[tuple[str, Mapping[str, Any] | str]]:
    """(source, case file) for each case of a file, or (source, error text) where it is not valid JSON."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return [(path.name, f"cannot be read as UTF-8 text: {exc.__class__.__name__}")]
    if not path.name.endswith(JSON_LINES_SUFFIXES):
        try:
            return [(path.name, _object(json.loads(text)))]
        except json.JSONDecodeError as exc:
            if not exc.msg.startswith("Extra data"):  # one JSON document, malformed
                return [(path.name, f"not valid JSON: {exc}")]
    found: list[tuple[str, Mapping[str, Any] | str]] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if line.strip():
            try:
                found.append((f"{path.name}:{number}", _object(json.loads(line))))
            except json.JSONDecodeError as exc:
                found.append((f"{path.name}:{number}", f"not valid JSON: {exc}"))
    return found


def _object(value: Any) -> Mapping[str, Any] | str:
    return value if isinstance(value, Mapping) else "a case file must be a JSON object"


def import_case(
    target: Engine | Connection,
    case_file: Mapping[str, Any],
    *,
    source: str,
    actor: Actor,
    now: datetime,
    policy: AppendPolicy | None = None,
) -> CaseImport:
    """Append one case file as a new case (all of it or, on any invalid event, none of it)."""
    policy = policy or AppendPolicy()
    problems = _shape_errors(case_file)
    if problems:
        case = case_file.get("case")
        named = case.get("id") if isinstance(case, Mapping) and isinstance(case.get("id"), str) else None
        return CaseImport(source, named, "rejected", errors=tuple(problems))
    case_id = case_file["case"]["id"]
    batch = [_opening(case_file, now=now, policy=policy), *case_file.get("events", [])]
    content = json.dumps(case_file, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    key = "import:" + hashlib.sha256(content.encode("utf-8")).hexdigest()
    request = AppendRequest(case_id, tuple(batch), 0, actor, now, key)  # expected version 0: a new case
    return _outcome(target, request, source=source, policy=policy)


def _outcome(target: Engine | Connection, request: AppendRequest, *, source: str, policy: AppendPolicy) -> CaseImport:
    case_id = request.case_id
    try:
        result = append_request(target, request, policy=policy)
    except EventRejected as exc:
        return CaseImport(source, case_id, "rejected", errors=tuple(_file_error(e) for e in exc.errors))
    except ConcurrencyConflict as exc:
        reason = f"case.id: case {case_id} already exists in the log (version {exc.actual}); import boards new cases"
        return CaseImport(source, case_id, "rejected", errors=(reason,))
    except IdempotencyConflict:
        # The key is a digest of this very content, so only the derived opening date can differ: a re-run
        # of a file without dated events on another day. The case was imported before.
        return CaseImport(source, case_id, "unchanged")
    return CaseImport(source, case_id, "unchanged" if result.replayed else "imported", events=len(result.events))


def _shape_errors(case_file: Mapping[str, Any]) -> list[str]:
    errors = [f"{name}: unknown field" for name in case_file if name not in CASE_FILE_FIELDS]
    case, events = case_file.get("case"), case_file.get("events", [])
    if not isinstance(case, Mapping):
        errors.append("case: required, an object of case_opened fields with the case id")
    elif not isinstance(case.get("id"), str) or not case["id"]:
        errors.append("case.id: required, a non-empty string")
    if not isinstance(events, list) or not all(isinstance(e, Mapping) for e in events):
        errors.append("events: must be a list of event objects")
    as_of = case_file.get("as_of")
    if as_of is not None and not (isinstance(as_of, str) and _parses_as_date(as_of)):
        errors.append("as_of: must be a date (YYYY-MM-DD)")
    return errors


def _parses_as_date(text: str) -> bool:
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return True


def _opening(case_file: Mapping[str, Any], *, now: datetime, policy: AppendPolicy) -> dict[str, Any]:
    """The case_opened event: the case's fields, dated by its earliest event, else as_of, else today."""
    case = case_file["case"]
    zone = _zone(case.get("timezone"), default=policy.default_timezone)
    dates = []
    for event in case_file.get("events", []):
        try:
            dates.append(legal_date(parse_occurred_at(event.get("occurred_at")), zone))
        except ValueError:
            continue  # reported against that event by the store
    as_of = case_file.get("as_of")
    opened = min(dates) if dates else date.fromisoformat(as_of) if as_of else now.astimezone(zone).date()
    data = {name: value for name, value in case.items() if name != "id"}
    return {"type": "case_opened", "occurred_at": opened.isoformat(), "data": data}


def _zone(name: object, *, default: str) -> ZoneInfo:
    try:
        return ZoneInfo(str(name or default))
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(default)  # the store reports the bad zone against case.timezone


def _file_error(error: FieldError) -> str:
    """Name the field as the file does: events[0] is the `case` object, events[i] is the file's events[i-1]."""
    match = _EVENT_LOC.match(error.loc)
    if match is None:
        return f"case.id: {error.reason}" if error.loc == "case_id" else str(error)
    index, rest = int(match.group(1)), match.group(2)
    if index == 0:
        return f"case{rest.removeprefix('.data')}: {error.reason}"
    return f"events[{index - 1}]{rest}: {error.reason}"

"""The case-file format of CONTRACT §5: parsed and validated into a profile and CaseEvents."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from pydantic import ValidationError

from compliance.envelope import CaseEvent, EventRejected, FieldError, legal_date, validate_event
from compliance.events import CaseOpened

# Ids of events without a client id are derived from (case id, version) so output is byte-identical per input.
EVENT_ID_NAMESPACE = uuid.UUID("6f1c2b1e-3f0a-4c51-9a43-1d2e5c7b8a90")
POLICIES = ("us-6103a", "us-6103a-observed")


@dataclass(frozen=True)
class CaseFile:
    """A parsed case file: who the case is, which calendar and date to judge on, and its events."""

    case_id: str
    profile: CaseOpened
    calendar: str
    as_of: date
    events: tuple[CaseEvent, ...]


def _profile(raw: object, errors: list[FieldError]) -> tuple[str, CaseOpened | None]:
    if not isinstance(raw, Mapping):
        errors.append(FieldError("case", "must be an object with the case_opened fields and an id"))
        return "", None
    case_id = raw.get("id")
    if not isinstance(case_id, str) or not case_id:
        errors.append(FieldError("case.id", "must be a non-empty string"))
    fields = {k: v for k, v in raw.items() if k != "id"}
    # The offline calculator needs no loan or borrower identity; fill opaque placeholders when absent.
    fields.setdefault("loan_id", str(case_id))
    fields.setdefault("borrower_ref", str(case_id))
    try:
        return str(case_id), CaseOpened.model_validate(fields)
    except ValidationError as exc:
        errors += [FieldError("case." + ".".join(map(str, e["loc"])), e["msg"]) for e in exc.errors()]
        return str(case_id), None


def _calendar(raw: Mapping[str, object], errors: list[FieldError]) -> str:
    name = raw.get("calendar", "us-6103a")
    if name not in POLICIES:
        errors.append(FieldError("calendar", f"unknown calendar policy {name!r}; expected one of {POLICIES}"))
    return str(name)


def _as_of(raw: Mapping[str, object], default: date, errors: list[FieldError]) -> date:
    value = raw.get("as_of")
    if value is None:
        return default
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        errors.append(FieldError("as_of", f"{value!r} is not an ISO date (YYYY-MM-DD)"))
        return default


def parse_casefile(raw: object, *, default_as_of: date) -> CaseFile:
    """Validate a case file; raise EventRejected naming `case.*`, `events[i].*`, `calendar` or `as_of`."""
    errors: list[FieldError] = []
    if not isinstance(raw, Mapping):
        raise EventRejected([FieldError("$", "a case file must be a JSON object")])
    case_id, profile = _profile(raw.get("case"), errors)
    calendar, as_of = _calendar(raw, errors), _as_of(raw, default_as_of, errors)
    items = raw.get("events", [])
    if not isinstance(items, list):
        errors.append(FieldError("events", "must be a list"))
        items = []
    zone = ZoneInfo(profile.timezone) if profile else ZoneInfo("UTC")
    events: list[CaseEvent] = []
    for index, item in enumerate(items):
        try:
            proposed = validate_event(item if isinstance(item, Mapping) else {}, where=f"events[{index}]")
        except EventRejected as exc:
            errors += exc.errors
            continue
        version = index + 1
        event_id = proposed.id or str(uuid.uuid5(EVENT_ID_NAMESPACE, f"{case_id}/{version}"))
        at = proposed.occurred_at if isinstance(proposed.occurred_at, datetime) else None
        on = legal_date(proposed.occurred_at, zone)
        events.append(CaseEvent(event_id, version, proposed.type, on, at, proposed.data))
    errors += _reference_errors(events)
    if errors or profile is None:
        raise EventRejected(errors)
    return CaseFile(case_id, profile, calendar, as_of, tuple(events))


def _reference_errors(events: list[CaseEvent]) -> list[FieldError]:
    # entry_corrected / entry_voided must name an earlier event of the same case (CONTRACT §2).
    seen: set[str] = set()
    errors = []
    for event in events:
        target = getattr(event.data, "corrects", None) or getattr(event.data, "voids", None)
        if target is not None and target not in seen:
            field = "corrects" if event.type == "entry_corrected" else "voids"
            where = f"events[{event.version - 1}].data.{field}"
            errors.append(FieldError(where, f"no earlier event with id {target!r}"))
        if event.id in seen:
            errors.append(FieldError(f"events[{event.version - 1}].id", f"duplicate event id {event.id!r}"))
        seen.add(event.id)
    return errors

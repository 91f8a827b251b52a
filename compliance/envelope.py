"""Validation of proposed events and the normalised CaseEvent the rule engine reads."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from pydantic import ValidationError

from compliance.events import DATA_MODELS, SCHEMA_VERSIONS, TIMESTAMP_REQUIRED, EventData
from timelines.span import CalendarRangeError, check_in_span

DEFAULT_MAX_PAYLOAD_BYTES = 64 * 1024
# A payload's size is that of json.dumps(payload, default=str): ASCII (ensure_ascii), so its length is its size in
# bytes. One encoder serves every call (json.dumps builds a new one whenever `default` is given; reentrant).
_SIZE_ENCODER = json.JSONEncoder(default=str)


@dataclass(frozen=True)
class FieldError:
    """One reason an event was rejected: where (a dotted path) and why."""

    loc: str
    reason: str

    def __str__(self) -> str:
        return f"{self.loc}: {self.reason}"


class EventRejected(ValueError):
    """One or more proposed events are invalid; nothing of the batch may be written."""

    def __init__(self, errors: Sequence[FieldError]) -> None:
        self.errors = list(errors)
        super().__init__("; ".join(str(e) for e in self.errors))


@dataclass(frozen=True)
class ProposedEvent:
    """A validated event not yet stored: what a client may say about the world."""

    type: str
    occurred_at: date | datetime
    data: EventData
    id: str | None = None
    schema_version: int = 1

    def data_json(self) -> dict[str, object]:
        """The payload as plain JSON values (dates as ISO strings)."""
        return self.data.model_dump(mode="json", exclude_none=False)


@dataclass(frozen=True)
class CaseEvent:
    """A stored event as the rule engine sees it: legal date resolved in the case's time zone."""

    id: str
    version: int
    type: str
    on: date
    at: datetime | None
    data: EventData


def legal_date(occurred_at: date | datetime, zone: ZoneInfo) -> date:
    """CONTRACT §1: the legal date is the date of occurred_at in the case's time zone."""
    if isinstance(occurred_at, datetime):
        return occurred_at.astimezone(zone).date()
    return occurred_at


def parse_occurred_at(value: object) -> date | datetime:
    """Parse an RFC 3339 timestamp with offset, or a plain ISO date; naive timestamps are an error."""
    if isinstance(value, datetime):
        parsed: date | datetime = value
    elif isinstance(value, date):
        parsed = value
    elif isinstance(value, str) and len(value) == 10:
        parsed = date.fromisoformat(value)
    elif isinstance(value, str):
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    else:
        raise ValueError("must be an RFC 3339 timestamp with offset or a plain date (YYYY-MM-DD)")
    if isinstance(parsed, datetime) and parsed.utcoffset() is None:
        raise ValueError("timestamp has no UTC offset (naive timestamps are ambiguous)")
    check_in_span(parsed if not isinstance(parsed, datetime) else parsed.date())
    return parsed


def _pydantic_errors(exc: ValidationError, prefix: str) -> list[FieldError]:
    out = []
    for err in exc.errors():
        path = ".".join(str(p) for p in err["loc"])
        out.append(FieldError(f"{prefix}.{path}" if path else prefix, err["msg"]))
    return out


_TWO_DAYS = timedelta(days=2)
_ENVELOPE_FIELDS = frozenset({"type", "occurred_at", "data", "id", "schema_version"})  # a proposed event's


def _check_future(occurred: date | datetime, now: datetime, skew: timedelta, zone: ZoneInfo) -> str | None:
    limit = now + skew
    if isinstance(occurred, datetime):
        return f"is in the future (later than now + {int(skew.total_seconds())} s)" if occurred > limit else None
    # Two UTC offsets differ by less than two days, so a date two days before limit's own is past in every zone:
    # the zone conversion (the costly part, on every append of a dated event) is needed only near today.
    if occurred <= limit.date() - _TWO_DAYS:
        return None
    return "is a date in the future" if occurred > limit.astimezone(zone).date() else None


def validate_event(
    raw: Mapping[str, object],
    *,
    where: str = "event",
    now: datetime | None = None,
    max_skew: timedelta = timedelta(minutes=5),
    zone: ZoneInfo | None = None,
    max_payload_bytes: int = DEFAULT_MAX_PAYLOAD_BYTES,
) -> ProposedEvent:
    """Validate one proposed event (type, occurred_at, data, optional id); raise EventRejected naming fields."""
    errors = [FieldError(f"{where}.{key}", "unknown field") for key in raw if key not in _ENVELOPE_FIELDS]
    kind = raw.get("type")
    model = DATA_MODELS.get(kind) if isinstance(kind, str) else None
    if model is None:
        errors.append(FieldError(f"{where}.type", f"unknown event type {kind!r}"))
    occurred: date | datetime | None = None
    try:
        occurred = parse_occurred_at(raw.get("occurred_at"))
    except (ValueError, CalendarRangeError) as exc:
        errors.append(FieldError(f"{where}.occurred_at", str(exc)))
    if occurred is not None and now is not None:
        problem = _check_future(occurred, now, max_skew, zone or ZoneInfo("UTC"))
        if problem:
            errors.append(FieldError(f"{where}.occurred_at", problem))
    if kind in TIMESTAMP_REQUIRED and occurred is not None and not isinstance(occurred, datetime):
        errors.append(FieldError(f"{where}.occurred_at", f"{kind} needs a timestamp with offset, not a date"))
    payload = raw.get("data", {})
    data: EventData | None = None
    if not isinstance(payload, Mapping):
        errors.append(FieldError(f"{where}.data", "must be an object"))
    elif len(_SIZE_ENCODER.encode(payload)) > max_payload_bytes:
        errors.append(FieldError(f"{where}.data", f"payload larger than {max_payload_bytes} bytes"))
    elif model is not None:
        try:
            data = model.model_validate(dict(payload))
        except ValidationError as exc:
            errors += _pydantic_errors(exc, f"{where}.data")
    event_id = raw.get("id")
    if event_id is not None and (not isinstance(event_id, str) or not 0 < len(event_id) <= 200):
        errors.append(FieldError(f"{where}.id", "must be a non-empty string of at most 200 characters"))
    if errors:
        raise EventRejected(errors)
    assert occurred is not None and data is not None and isinstance(kind, str)  # noqa: S101 - narrowed above
    return ProposedEvent(kind, occurred, data, event_id if isinstance(event_id, str) else None, SCHEMA_VERSIONS[kind])


def upcast(kind: str, schema_version: int, data: Mapping[str, object]) -> dict[str, object]:
    """Bring a stored payload of an older schema_version up to the current one (none exist yet)."""
    current = SCHEMA_VERSIONS.get(kind, 1)
    if schema_version > current:
        raise ValueError(f"{kind} schema_version {schema_version} is newer than this service knows ({current})")
    return dict(data)


def to_case_event(
    *, event_id: str, version: int, kind: str, occurred_at: date | datetime, data: Mapping[str, object],
    zone: ZoneInfo, schema_version: int = 1,
) -> CaseEvent:
    """Build the engine's view of a stored event (payload upcast and re-validated)."""
    model = DATA_MODELS[kind].model_validate(upcast(kind, schema_version, data))
    at = occurred_at if isinstance(occurred_at, datetime) else None
    return CaseEvent(event_id, version, kind, legal_date(occurred_at, zone), at, model)

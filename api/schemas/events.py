"""Models of events as clients propose them and as the log returns them (CONTRACT §1 envelope)."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from api.schemas.common import EventTypeName, PageLimit, SpanDate, SpanDateTime

APPLICATION_RECEIVED = {"type": "application_received", "occurred_at": "2026-07-02", "data": {"application_id": "A1"}}
CONTACT = {
    "type": "contact_logged", "occurred_at": "2026-07-02T10:15:00-04:00",
    "data": {"channel": "phone", "direction": "outbound", "outcome": "live_contact", "party": "borrower",
             "staff_id": "S-17"},
}

BATCH_EXAMPLES = [{"events": [APPLICATION_RECEIVED]}, {"events": [CONTACT, APPLICATION_RECEIVED]}]


class EventIn(BaseModel):
    """One proposed event: type, occurred_at and data; the service assigns id, version, times, actor, hashes."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [APPLICATION_RECEIVED, CONTACT]})

    type: Annotated[str, Field(min_length=1, max_length=64, description="An event type of CONTRACT §2")]
    occurred_at: Annotated[str, Field(min_length=1, max_length=40,
                                      description="RFC 3339 timestamp with offset, or a plain date (YYYY-MM-DD)")]
    data: dict[str, Any] = Field(default_factory=dict, description="Type-specific fields (CONTRACT §2)")
    id: Annotated[str | None, Field(min_length=1, max_length=36,
                                    description="Optional client-chosen id, so a later correction can name it")] = None
    schema_version: int | None = Field(default=None, ge=1)

    def proposed(self) -> dict[str, Any]:
        """The mapping handed to the store (absent optional fields left out)."""
        return self.model_dump(exclude_none=True)


class EventBatch(BaseModel):
    """Events appended to one case in one transaction; a bare event object is accepted as a batch of one."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": BATCH_EXAMPLES},
    )

    events: Annotated[list[EventIn], Field(min_length=1, max_length=500)]

    @model_validator(mode="before")
    @classmethod
    def _single(cls, value: Any) -> Any:
        if isinstance(value, dict) and "events" not in value and "type" in value:
            return {"events": [value]}
        return value


class ActorOut(BaseModel):
    """Who recorded an event."""

    id: str
    role: str


class EventOut(BaseModel):
    """A stored event: the full CONTRACT §1 envelope."""

    id: str
    case_id: str
    version: int
    position: int
    type: str
    schema_version: int
    occurred_at: str
    recorded_at: str
    actor: ActorOut
    data: dict[str, Any]
    idempotency_key: str | None
    prev_hash: str
    hash: str


class AppendOut(BaseModel):
    """The outcome of an append: the stored events and the case's new version (its ETag)."""

    case_id: str
    version: int
    position: int
    replayed: bool = Field(description="True when an Idempotency-Key returned an earlier append unchanged")
    events: list[EventOut]


class EventPageOut(BaseModel):
    """A page of events; pass `next_after` as `after` for the next page (null at the end)."""

    items: list[EventOut]
    next_after: int | None


class EventQuery(BaseModel):
    """Filters shared by the case trail and the audit query (all optional)."""

    model_config = ConfigDict(extra="forbid")

    type: list[EventTypeName] | None = Field(
        default=None, description="Event types (repeatable)", max_length=50
    )
    actor: Annotated[str | None, Field(max_length=200, description="Actor id")] = None
    occurred_from: SpanDate | None = Field(default=None, description="occurred_at on or after (date as written)")
    occurred_to: SpanDate | None = Field(default=None, description="occurred_at on or before (date as written)")
    recorded_from: SpanDateTime | None = Field(default=None, description="recorded_at at or after (with offset)")
    recorded_to: SpanDateTime | None = Field(default=None, description="recorded_at at or before (with offset)")
    after: int = Field(default=0, ge=0, description="Continue after this version (case) or position (audit)")
    limit: PageLimit = 100


class CaseEventQuery(EventQuery):
    """A case trail's filters, plus the bitemporal view."""

    as_known_at: SpanDateTime | None = Field(
        default=None, description="The case as the log knew it at this instant (events recorded at or before it)"
    )


class AuditQuery(EventQuery):
    """The audit query's filters, plus a case id."""

    case_id: Annotated[str | None, Field(max_length=200)] = None

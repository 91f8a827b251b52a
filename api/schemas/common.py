"""Field types shared by the API's models: dates inside the calendar span, case ids, policies."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field

from compliance.events import EVENT_TYPES, USPS_STATES
from timelines.span import check_in_span


def _instant_in_span(value: datetime) -> datetime:
    check_in_span(value.date())
    return value


def _known_type(value: str) -> str:
    if value not in EVENT_TYPES:
        raise ValueError(f"unknown event type {value!r}")
    return value


def _known_state(value: str) -> str:
    if value not in USPS_STATES:
        raise ValueError(f"{value!r} is not a USPS state or territory code")
    return value


# Filters name only known values: anything else is a 422, never a query that silently matches nothing.
EventTypeName = Annotated[str, AfterValidator(_known_type), Field(json_schema_extra={"enum": sorted(EVENT_TYPES)})]
StateCode = Annotated[str, AfterValidator(_known_state), Field(json_schema_extra={"enum": sorted(USPS_STATES)})]

# A date parameter outside the calendar's years is refused (422 naming it), never guessed (CONTRACT §4).
SpanDate = Annotated[date, AfterValidator(check_in_span)]
SpanDateTime = Annotated[AwareDatetime, AfterValidator(_instant_in_span)]
CaseId = Annotated[str, Field(min_length=1, max_length=200, examples=["C-1001"])]
Policy = Literal["us-6103a", "us-6103a-observed"]
Role = Literal["specialist", "manager", "compliance_officer", "examiner", "admin"]
PageLimit = Annotated[int, Field(ge=1, le=1000)]


class ProblemOut(BaseModel):
    """An RFC 9457 problem: type, title, status, detail, and where useful the request id and field errors."""

    model_config = ConfigDict(extra="allow")

    type: str
    title: str
    status: int
    detail: str
    instance: str | None = None
    request_id: str | None = None
    errors: list[dict[str, str]] | None = None


_DESCRIPTIONS = {
    400: "Malformed JSON", 401: "Missing, unknown, revoked or expired bearer token",
    403: "The token's role or scope does not allow this", 404: "Not found", 409: "Conflict",
    412: "If-Match precondition failed (the case moved on)", 413: "Request body too large",
    415: "Request body is not JSON", 422: "Invalid input: each field path with its reason",
    429: "Rate limit exceeded (see Retry-After)", 503: "Not ready: database unreachable or schema not current",
}


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The `responses` entry of a route for these error statuses, all application/problem+json.

    The schema is referenced by name; api.app adds ProblemOut to the OpenAPI components.
    """
    schema = {"$ref": "#/components/schemas/ProblemOut"}
    return {
        status: {"description": _DESCRIPTIONS[status], "content": {"application/problem+json": {"schema": schema}}}
        for status in statuses
    }


# Every authenticated route can answer these.
AUTH_ERRORS = (401, 403, 422, 429)

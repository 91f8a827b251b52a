"""Models of computed clocks (CONTRACT §6), the preview case file (§5), rules and calendars."""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from api.schemas.common import Policy, SpanDate, SpanDateTime

CASE_FILE = {
    "case": {"id": "C-1", "timezone": "America/New_York", "property_state": "NY"},
    "calendar": "us-6103a",
    "as_of": "2026-07-10",
    "events": [
        {"type": "payment_missed", "occurred_at": "2026-01-01", "data": {"due_date": "2026-01-01"}},
        {"type": "application_received", "occurred_at": "2026-07-02", "data": {"application_id": "A1"}},
    ],
}


class TriggerOut(BaseModel):
    """The event a clock runs from."""

    event_id: str
    type: str
    on: date
    at: str | None


class ClockOut(BaseModel):
    """One computed clock (CONTRACT §6): `due`, `closes` or `not_before` by kind."""

    model_config = ConfigDict(extra="allow")

    id: str
    rule: str
    citation: str
    kind: str
    trigger: TriggerOut
    status: str
    met_by: str | None
    met_on: date | None
    calendar: str
    derivation: list[str]
    alternatives: list[dict[str, Any]]


class TimelineOut(BaseModel):
    """The calculator answer: a case's clocks as of a day under a calendar."""

    case_id: str
    as_of: date
    calendar: str
    clocks: list[ClockOut]


class CaseFileIn(BaseModel):
    """A CONTRACT §5 case file: the case_opened fields with an id, optional calendar and as_of, events in order."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [CASE_FILE]})

    case: dict[str, Any]
    calendar: str | None = None
    as_of: str | None = None
    events: list[dict[str, Any]] = Field(default_factory=list, max_length=5000)


class ClockQuery(BaseModel):
    """As of which day, under which calendar, and (optionally) as the log knew the case at a past instant."""

    model_config = ConfigDict(extra="forbid")

    as_of: SpanDate | None = Field(default=None, description="Default: today in the case's time zone")
    calendar: Policy | None = Field(default=None, description="Default: the service's calendar policy")
    as_known_at: SpanDateTime | None = None


class RuleOut(BaseModel):
    """A rulebook row with its citation and effective dates."""

    model_config = ConfigDict(extra="allow")

    id: str
    citation: str
    kind: str
    title: str
    effective_from: date
    effective_to: date | None


class RulebookOut(BaseModel):
    """The rules in force and the dated historical ones."""

    rules: list[RuleOut]
    historical: list[RuleOut]


class DateRangeQuery(BaseModel):
    """An inclusive range of days inside the calendar's years."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    start: SpanDate = Field(alias="from")
    end: SpanDate = Field(alias="to")


class BusinessDaysOut(BaseModel):
    """The business days of a policy in an inclusive range."""

    policy: str
    start: date = Field(serialization_alias="from")
    end: date = Field(serialization_alias="to")
    count: int
    business_days: list[date]


class HolidayOut(BaseModel):
    """One excluded legal public holiday."""

    day: date = Field(serialization_alias="date")
    name: str


class HolidaysOut(BaseModel):
    """The holidays a policy excludes in an inclusive range."""

    policy: str
    start: date = Field(serialization_alias="from")
    end: date = Field(serialization_alias="to")
    holidays: list[HolidayOut]

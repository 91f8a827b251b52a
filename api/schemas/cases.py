"""Models of cases: opening one, its summary, and the case list's filters and pages."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from api.schemas.common import CaseId, PageLimit, Policy, SpanDate, StateCode

OPENED = {
    "case_id": "C-1001",
    "occurred_at": "2026-07-01",
    "data": {"loan_id": "L-88812", "borrower_ref": "B-5521", "property_state": "NY", "timezone": "America/New_York",
             "investor": "fannie_mae"},
}


class CaseCreate(BaseModel):
    """Open a case: its id, when it was opened and the case_opened fields (CONTRACT §2)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [OPENED]})

    case_id: CaseId
    occurred_at: Annotated[str, Field(min_length=1, max_length=40, description="Date or RFC 3339 timestamp")]
    data: dict[str, Any] = Field(description="case_opened fields: loan_id, borrower_ref, property_state, ...")

    def opening_event(self) -> dict[str, Any]:
        """The case_opened event this request appends."""
        return {"type": "case_opened", "occurred_at": self.occurred_at, "data": self.data}


class CaseSummaryOut(BaseModel):
    """A case at a glance (corrections applied); `clocks` counts its clocks by status as of `as_of`."""

    case_id: str
    version: int
    loan_id: str
    property_state: str
    timezone: str
    investor: str | None
    opened_on: date
    team: str | None
    staff_id: str | None
    manager_id: str | None
    status: Literal["open", "closed"]
    closed_reason: str | None
    closed_on: date | None
    last_recorded_at: str
    as_of: date | None = None
    calendar: str | None = None
    clocks: dict[str, int] | None = None


class CasePageOut(BaseModel):
    """A page of cases; pass `next_after` as `after` for the next page (null at the end)."""

    items: list[CaseSummaryOut]
    next_after: str | None


class CaseListQuery(BaseModel):
    """Case-list filters (all optional) and paging."""

    model_config = ConfigDict(extra="forbid")

    team: Annotated[str | None, Field(max_length=200)] = None
    manager: Annotated[str | None, Field(max_length=200, description="manager_id of the latest assignment")] = None
    status: Literal["open", "closed"] | None = None
    state: StateCode | None = Field(default=None, description="USPS code of the property")
    after: Annotated[str | None, Field(max_length=200, description="The last case id of the previous page")] = None
    limit: PageLimit = 50


class CaseSummaryQuery(BaseModel):
    """As of which day and under which calendar the summary counts clocks."""

    model_config = ConfigDict(extra="forbid")

    as_of: SpanDate | None = Field(default=None, description="Default: today in the case's time zone")
    calendar: Policy | None = Field(default=None, description="Default: the service's calendar policy")

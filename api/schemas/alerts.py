"""Models of monitoring alerts: the list's filters, one alert, a page of alerts."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from api.schemas.common import PageLimit

AlertState = Literal["open", "acknowledged", "resolved", "escalated"]
AlertLevel = Literal["approaching", "breached", "escalated"]


class AlertQuery(BaseModel):
    """Alert-list filters (all optional) and paging."""

    model_config = ConfigDict(extra="forbid")

    state: AlertState | None = None
    level: AlertLevel | None = None
    team: Annotated[str | None, Field(max_length=200)] = None
    manager: Annotated[str | None, Field(max_length=200, description="manager_id the alert was routed to")] = None
    case_id: Annotated[str | None, Field(max_length=200)] = None
    after: Annotated[str | None, Field(max_length=36, description="The last alert id of the previous page")] = None
    limit: PageLimit = 50


class AlertOut(BaseModel):
    """One alert: which clock, which level, to whom it was routed and where it is in its life cycle."""

    alert_id: str
    clock_id: str
    case_id: str
    rule: str
    level: AlertLevel
    lead_days: int
    due: date
    raised_at: datetime
    manager_id: str | None
    team: str | None
    recipients: list[str]
    state: AlertState
    acknowledged_by: str | None
    acknowledged_at: datetime | None
    resolved_at: datetime | None
    resolved_reason: str | None
    escalated_at: datetime | None


class AlertPageOut(BaseModel):
    """A page of alerts, oldest raised first; pass `next_after` as `after` for the next page (null at the end)."""

    items: list[AlertOut]
    next_after: str | None

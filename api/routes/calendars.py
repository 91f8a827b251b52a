"""Calendars: business days and legal public holidays of a policy in a range (CONTRACT §4)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query

from api.auth import EVERYONE, Allow, Principal
from api.calendar_views import business_days, holidays
from api.schemas.clocks import BusinessDaysOut, DateRangeQuery, HolidaysOut
from api.schemas.common import AUTH_ERRORS, Policy, problem_responses

router = APIRouter(prefix="/v1/calendars", tags=["calendars"])
Anyone = Annotated[Principal, Depends(Allow(*EVERYONE))]


@router.get("/{policy}/business-days", response_model=BusinessDaysOut, summary="Business days in a range",
            responses=problem_responses(*AUTH_ERRORS))
def get_business_days(policy: Policy, query: Annotated[DateRangeQuery, Query()], _principal: Anyone) -> dict[str, Any]:
    """Days from `from` to `to` (inclusive) that are neither weekend days nor holidays of the policy."""
    days = business_days(policy, query.start, query.end)
    return {"policy": policy, "start": query.start, "end": query.end, "count": len(days), "business_days": days}


@router.get("/{policy}/holidays", response_model=HolidaysOut, summary="Legal public holidays in a range",
            responses=problem_responses(*AUTH_ERRORS))
def get_holidays(policy: Policy, query: Annotated[DateRangeQuery, Query()], _principal: Anyone) -> dict[str, Any]:
    """The 5 U.S.C. 6103(a) holidays (and, for us-6103a-observed, observed days) the policy excludes."""
    found = holidays(policy, query.start, query.end)
    return {"policy": policy, "start": query.start, "end": query.end,
            "holidays": [{"day": day, "name": name} for day, name in found]}

"""Clocks: a stored case's clocks (as_of, calendar, as_known_at) and the what-if preview of a case file."""

from __future__ import annotations

from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Query

from api.auth import CASE_READERS, EVERYONE, Allow, Principal, RecordedRead
from api.case_clocks import preview_timeline
from api.case_views import case_timeline
from api.deps import EngineDep, NowDep, SettingsDep
from api.schemas.clocks import CaseFileIn, ClockQuery, TimelineOut
from api.schemas.common import AUTH_ERRORS, CaseId, problem_responses

router = APIRouter(prefix="/v1", tags=["clocks"])
ClockReader = Annotated[Principal, Depends(RecordedRead("case_clocks_read", *CASE_READERS))]
Anyone = Annotated[Principal, Depends(Allow(*EVERYONE))]


@router.get("/cases/{case_id}/clocks", response_model=TimelineOut, summary="A case's clocks (CONTRACT §6)",
            responses=problem_responses(*AUTH_ERRORS, 404))
def get_clocks(
    case_id: CaseId, query: Annotated[ClockQuery, Query()], principal: ClockReader, engine: EngineDep,
    settings: SettingsDep, now: NowDep,
) -> dict[str, Any]:
    """Every clock with due date, status and derivation, computed from the stored events as of `as_of`."""
    return case_timeline(
        engine, principal, case_id, as_of=query.as_of, calendar=query.calendar or settings.calendar_policy,
        now=now, as_known_at=query.as_known_at, readings=settings.readings,
    )


@router.post("/timeline/preview", response_model=TimelineOut, summary="What-if: clocks of a case file, nothing stored",
             responses=problem_responses(*AUTH_ERRORS, 413, 415))
def preview(body: CaseFileIn, _principal: Anyone, settings: SettingsDep, now: NowDep) -> dict[str, Any]:
    """Compute the clocks of a CONTRACT §5 case file; `as_of` defaults to today in the service's time zone."""
    today = now.astimezone(ZoneInfo(settings.default_timezone)).date()
    return preview_timeline(body.model_dump(exclude_none=True), default_as_of=today, readings=settings.readings)

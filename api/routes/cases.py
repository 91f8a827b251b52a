"""Cases: open one (case_opened), read its summary, list cases with filters and cursor paging."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Query, Response

from api.auth import CASE_READERS, SPECIALIST, Allow, Principal, RecordedRead
from api.case_views import CaseFilters, list_cases, summary_with_clocks
from api.deps import EngineDep, NowDep, StateDep
from api.recording import AppendCall, record_events
from api.routes.events import append_response
from api.schemas.cases import CaseCreate, CaseListQuery, CasePageOut, CaseSummaryOut, CaseSummaryQuery
from api.schemas.common import AUTH_ERRORS, CaseId, problem_responses
from api.schemas.events import AppendOut

router = APIRouter(prefix="/v1/cases", tags=["cases"])
Opener = Annotated[Principal, Depends(Allow(SPECIALIST))]
Reader = Annotated[Principal, Depends(Allow(*CASE_READERS))]
SummaryReader = Annotated[Principal, Depends(RecordedRead("case_summary_read", *CASE_READERS))]


@router.post("", status_code=201, response_model=AppendOut, summary="Open a case (appends case_opened)",
             responses=problem_responses(*AUTH_ERRORS, 409, 413, 415))
async def open_case(
    body: CaseCreate, principal: Opener, state: StateDep, now: NowDep,
    idempotency_key: Annotated[str | None, Header(max_length=200)] = None,
) -> Response:
    """Append the case's case_opened event as version 1; the actor is the token's identity."""
    call = AppendCall(body.case_id, [body.opening_event()], expected_version=0, idempotency_key=idempotency_key)
    result = await record_events(state, principal, call, now=now)
    return append_response(result, case_id=body.case_id, location=f"/v1/cases/{body.case_id}")


@router.get("", response_model=CasePageOut, summary="List cases the token may see",
            responses=problem_responses(*AUTH_ERRORS))
def get_cases(query: Annotated[CaseListQuery, Query()], principal: Reader, engine: EngineDep) -> dict[str, Any]:
    """Filter by team, manager, status and property state; `next_after` continues the list."""
    filters = CaseFilters(team=query.team, manager_id=query.manager, status=query.status,
                          property_state=query.state, after=query.after, limit=query.limit)
    page = list_cases(engine, principal, filters)
    return {"items": [s.to_json() for s in page.items], "next_after": page.next_after}


@router.get("/{case_id}", response_model=CaseSummaryOut, summary="A case's summary and clock counts",
            responses=problem_responses(*AUTH_ERRORS, 404))
def get_case(
    case_id: CaseId, query: Annotated[CaseSummaryQuery, Query()], principal: SummaryReader,
    engine: EngineDep, state: StateDep, now: NowDep, response: Response,
) -> dict[str, Any]:
    """The case's status, assignment and opening facts, with its clocks counted by status; ETag is its version."""
    summary = summary_with_clocks(
        engine, principal, case_id, as_of=query.as_of, calendar=query.calendar or state.settings.calendar_policy,
        now=now, readings=state.settings.readings,
    )
    response.headers["ETag"] = f'"{summary["version"]}"'
    return summary

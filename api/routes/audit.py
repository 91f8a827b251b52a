"""Audit reads across cases: events by actor, type and time, and the access log (who read what)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query

from api.auth import EXAMINER, OFFICER, Allow, Principal, RecordedRead
from api.deps import EngineDep
from api.schemas.admin import AccessPageOut, AccessQuery
from api.schemas.common import AUTH_ERRORS, problem_responses
from api.schemas.events import AuditQuery, EventPageOut
from api.trail import EventFilter, audit_events
from audit.access_log import AccessQuery as LogQuery
from audit.access_log import access_entries

router = APIRouter(prefix="/v1", tags=["audit"])
Auditor = Annotated[Principal, Depends(RecordedRead("audit_query", OFFICER, EXAMINER))]
Officer = Annotated[Principal, Depends(Allow(OFFICER))]


@router.get("/audit/events", response_model=EventPageOut, summary="Events across cases, in log order",
            responses=problem_responses(*AUTH_ERRORS))
def get_audit_events(query: Annotated[AuditQuery, Query()], principal: Auditor, engine: EngineDep) -> dict[str, Any]:
    """Filter by actor, type, case and time ranges; page with `after` = the last position seen."""
    wanted = EventFilter(
        types=frozenset(query.type) if query.type else None, actor=query.actor,
        case_ids=frozenset({query.case_id}) if query.case_id else None,
        occurred_from=query.occurred_from, occurred_to=query.occurred_to,
        recorded_from=query.recorded_from, recorded_to=query.recorded_to,
    )
    page = audit_events(engine, principal, wanted, after=query.after, limit=query.limit)
    return {"items": [e.to_json() for e in page.items], "next_after": page.next_after}


@router.get("/access-log", response_model=AccessPageOut, summary="Who read which case trail, export or audit query",
            responses=problem_responses(*AUTH_ERRORS))
def get_access_log(query: Annotated[AccessQuery, Query()], _officer: Officer, engine: EngineDep) -> dict[str, Any]:
    """The tamper-evident access log, oldest first, filtered by actor, case, action and time."""
    entries = access_entries(engine, LogQuery(
        after=query.after, limit=query.limit, actor_id=query.actor, case_id=query.case_id, action=query.action,
        recorded_from=query.recorded_from, recorded_to=query.recorded_to,
    ))
    next_after = entries[-1].position if len(entries) == query.limit else None
    return {"items": [e.to_json() for e in entries], "next_after": next_after}

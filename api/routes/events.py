"""A case's events: append one or a batch (If-Match, Idempotency-Key), and read its trail with filters."""

from __future__ import annotations

import re
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Query, Request, Response
from sqlalchemy import Engine

from api.append_route import AppendArguments, direct_append_route
from api.auth import CASE_READERS, SPECIALIST, Allow, Principal, RecordedRead
from api.blocking import run_blocking
from api.errors import InvalidParameter
from api.recording import AppendCall, record_events
from api.responses import RenderedJSON
from api.schemas.common import AUTH_ERRORS, CaseId, problem_responses
from api.schemas.events import AppendOut, CaseEventQuery, EventBatch, EventPageOut
from api.trail import EventFilter, case_trail
from audit.store import AppendResult

_APPENDERS = Allow(SPECIALIST)
Appender = Annotated[Principal, Depends(_APPENDERS)]
TrailReader = Annotated[Principal, Depends(RecordedRead("case_trail_read", *CASE_READERS))]
_ETAG = re.compile(r'^(?:W/)?"?(\d{1,9})"?$')


def expected_version(if_match: str | None) -> int | None:
    """The case version an If-Match header names (`"3"`, `W/"3"` or `3`); `*` or no header: any version."""
    if if_match is None or if_match.strip() == "*":
        return None
    found = _ETAG.match(if_match.strip())
    if found is None:
        raise InvalidParameter("header.If-Match", 'must be the case version as an entity tag, e.g. "3"')
    return int(found.group(1))


def append_response(result: AppendResult, *, case_id: str, location: str | None = None) -> Response:
    """The append's body (AppendOut); the case's new version as ETag; 200 instead of 201 for an idempotent replay."""
    headers = {"ETag": f'"{result.version}"'}
    if result.replayed:
        headers["Idempotent-Replayed"] = "true"
    if location is not None:
        headers["Location"] = location
    body = {"case_id": case_id, "version": result.version, "position": result.position,
            "replayed": result.replayed, "events": [e.to_json() for e in result.events]}
    return RenderedJSON(body, status_code=200 if result.replayed else 201, headers=headers)


async def _append(request: Request, call: AppendArguments) -> Response:
    """The append itself, once its parameters are solved (by FastAPI, or directly: api.append_route)."""
    # The app state from the request, not StateDep/NowDep: each dependency costs FastAPI's solving on the
    # busiest route (bench/api.py); the clock is the same one NowDep reads.
    state = request.app.state
    now = state.clock()
    append = AppendCall(call.case_id, [e.proposed() for e in call.body.events],
                        expected_version=expected_version(call.if_match), idempotency_key=call.idempotency_key)
    result = await record_events(state, call.principal, append, now=now)
    return append_response(result, case_id=call.case_id)


router = APIRouter(prefix="/v1/cases/{case_id}/events", tags=["events"],
                   route_class=direct_append_route(EventBatch, _APPENDERS, _append))


@router.post("", status_code=201, response_model=AppendOut, summary="Append one event or a batch to a case",
             responses={200: {"model": AppendOut, "description": "Idempotent replay: the events of the earlier append"},
                        **problem_responses(*AUTH_ERRORS, 404, 409, 412, 413, 415)})
async def append_events(
    case_id: CaseId, body: EventBatch, principal: Appender, request: Request,
    if_match: Annotated[str | None, Header(description='Expected case version, e.g. "3" (412 if it moved on)')] = None,
    idempotency_key: Annotated[str | None, Header(max_length=200)] = None,
) -> Response:
    """All or nothing: every event is validated first; the actor is the token's identity, never the body's."""
    return await _append(request, AppendArguments(case_id, body, principal, if_match, idempotency_key))


@router.get("", response_model=EventPageOut, summary="A case's events (its trail), filtered and paged",
            responses=problem_responses(*AUTH_ERRORS, 404), name="get_events")
async def read_events(
    case_id: CaseId, query: Annotated[CaseEventQuery, Query()], principal: TrailReader, request: Request,
) -> Response:
    """Events in version order after `after`; `as_known_at` shows the case as the log knew it then."""
    state = request.app.state  # not StateDep: see append_events
    return RenderedJSON(await run_blocking(state, get_events, case_id, query, principal, state.engine))


def get_events(case_id: str, query: CaseEventQuery, principal: Principal, engine: Engine) -> dict[str, Any]:
    """The page of GET /v1/cases/{case_id}/events (EventPageOut) within the principal's scope (blocking; the
    console reads the trail through it too)."""
    wanted = EventFilter(
        types=frozenset(query.type) if query.type else None, actor=query.actor,
        occurred_from=query.occurred_from, occurred_to=query.occurred_to,
        recorded_from=query.recorded_from, recorded_to=query.recorded_to,
    )
    page = case_trail(engine, principal, case_id, wanted, after_version=query.after, limit=query.limit,
                      as_known_at=query.as_known_at)
    return {"items": [e.to_json() for e in page.items], "next_after": page.next_after}

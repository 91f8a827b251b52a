"""The case page: summary, visual timeline, clocks with their derivations, corrections, contacts, trail."""

from __future__ import annotations

from collections import Counter
from datetime import date
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request
from starlette.responses import Response

from api.auth import Principal
from api.case_views import scoped_case, summarize
from api.deps import EngineDep, NowDep, SettingsDep, StateDep
from api.routes import clocks as clock_api
from api.routes import events as event_api
from api.schemas.clocks import ClockQuery
from api.schemas.common import CaseId
from api.schemas.events import CaseEventQuery
from api.web.access import CaseExporter, SignedIn, may
from api.web.case_story import case_story
from api.web.edge import EXPORT_ROUTE
from api.web.errors import error_page
from api.web.forms import query_values
from api.web.rendering import render
from api.web.timeline import anchor_of, build_timeline

router = APIRouter(prefix="/console", tags=["console"])
TRAIL_PAGE, MAX_TRAIL_PAGES = 1000, 50
SETTLED = ("not_applicable", "cancelled")


def whole_trail(case_id: str, principal: Principal, engine: Any) -> list[dict[str, Any]]:
    """The case's events as GET /v1/cases/{id}/events shows them to this token, every page."""
    events: list[dict[str, Any]] = []
    after = 0
    for _ in range(MAX_TRAIL_PAGES):
        page = event_api.get_events(case_id, CaseEventQuery(after=after, limit=TRAIL_PAGE), principal, engine)
        events += page["items"]
        if page["next_after"] is None:
            break
        after = page["next_after"]
    return events


def _export_link(state: Any, principal: Principal, case_id: str) -> str | None:
    """The export button's link when the API serves exports and this token may take one."""
    if not state.console_routes.serves(EXPORT_ROUTE) or not may(principal, CaseExporter):
        return None
    return f"/console/cases/{quote(case_id, safe='')}/export"


@router.get("/cases/{case_id}", summary="A case")
def case_page(
    case_id: CaseId, request: Request, principal: clock_api.ClockReader, _trail_reader: event_api.TrailReader,
    engine: EngineDep, settings: SettingsDep, state: StateDep, now: NowDep,
) -> Response:
    """What GET /v1/cases/{id}/clocks and /events show this token, drawn and explained."""
    query = ClockQuery.model_validate(query_values(request))
    timeline = clock_api.get_clocks(case_id, query, principal, engine, settings, now)
    summary = summarize(scoped_case(engine, principal, case_id))
    clocks = timeline["clocks"]
    story = case_story(whole_trail(case_id, principal, engine), clocks, zone=ZoneInfo(summary.timezone))
    as_of = date.fromisoformat(timeline["as_of"])
    context = {
        "summary": summary, "timeline": timeline, "story": story, "as_of": as_of,
        "drawing": build_timeline(story.events, clocks, as_of=as_of),
        "dated": [c for c in clocks if c["status"] not in SETTLED and c["kind"] != "check"],
        "checks": [c for c in clocks if c["status"] not in SETTLED and c["kind"] == "check"],
        "settled": [c for c in clocks if c["status"] in SETTLED],
        "counts_checks": Counter(c["status"] for c in clocks if c["kind"] == "check"),
        "counts": Counter(c["status"] for c in clocks), "anchor_of": anchor_of,
        "export": _export_link(state, principal, case_id),
    }
    return render(request, "case.html", context, principal=principal)


@router.get("/cases/{case_id}/export", summary="A case's export bundle")
def export_unavailable(case_id: CaseId, request: Request, _principal: SignedIn) -> Response:
    """Reached only when the API has no export endpoint yet (the console edge forwards it otherwise)."""
    return error_page(request, 404, "Export not available", f"This service does not export cases yet ({case_id}).")

"""Performance reports (issue 8): timeliness, contact compliance, pipeline and suggested improvements, as JSON
or CSV (`Accept: text/csv`), and their charts as PNG or SVG. Managers see their own team's cases only."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import JSONResponse

from api.auth import ADMIN, EXAMINER, MANAGER, OFFICER, Principal, RecordedRead, as_of_for, clamp
from api.deps import EngineDep, NowDep, SettingsDep
from api.errors import Forbidden, InvalidParameter
from api.schemas.common import AUTH_ERRORS, SpanDate, problem_responses
from audit.report_charts import CHARTS, chart
from audit.reports import ReportQuery, build_report
from audit.tokens import TEAM_ROLES
from compliance.evaluation import Readings
from compliance.reports import period_for

router = APIRouter(prefix="/v1/reports", tags=["reports"])
Reader = Annotated[Principal, Depends(RecordedRead("report_read", MANAGER, OFFICER, EXAMINER, ADMIN))]
ReportName = Literal["timeliness", "contacts", "pipeline", "improvements"]
ChartFormat = Literal["png", "svg"]
CSV, MEDIA = "text/csv", {"png": "image/png", "svg": "image/svg+xml"}
First = Annotated[SpanDate | None, Query(alias="from", description="First day of the period (default: 29 days "
                                                                  "before `to`).")]
Last = Annotated[SpanDate | None, Query(alias="to", description="Last day of the period (default: today).")]
Team = Annotated[str | None, Query(min_length=1, max_length=200, description="Only this team's cases.")]
REPORT_RESPONSES = {200: {"description": "The report", "content": {"application/json": {}, CSV: {}}}}
CHART_RESPONSES = {200: {"description": "The chart", "content": {MEDIA["png"]: {}, MEDIA["svg"]: {}}}}


@router.get("/{name}", response_class=JSONResponse, summary="A performance report (JSON, or CSV with Accept: text/csv)",
            responses={**REPORT_RESPONSES, **problem_responses(*AUTH_ERRORS)})
def get_report(name: ReportName, request: Request, principal: Reader, engine: EngineDep, settings: SettingsDep,
               now: NowDep, *, first: First = None, last: Last = None, team: Team = None) -> Response:
    """The report over the period (pipeline: on the judging day); columns of the CSV in docs/reports.md."""
    query = report_query(principal, settings.default_timezone, settings.calendar_policy, now=now, first=first,
                         last=last, team=team, readings=settings.readings)
    result = build_report(engine, name, query)
    if _wants_csv(request):
        filename = f"{name}-{query.period.start}-{query.period.end}.csv"
        return Response(result.table().to_csv(), media_type=f"{CSV}; charset=utf-8",
                        headers={"Content-Disposition": f'attachment; filename="{filename}"'})
    return JSONResponse(result.to_json())


@router.get("/{name}/chart.{fmt}", response_class=Response, summary="A report's chart (PNG or SVG)",
            responses={**CHART_RESPONSES, **problem_responses(*AUTH_ERRORS)})
def get_chart(name: ReportName, fmt: ChartFormat, principal: Reader, engine: EngineDep, settings: SettingsDep,
              now: NowDep, *, first: First = None, last: Last = None, team: Team = None,
              kind: Annotated[str | None, Query(alias="chart", description="Which chart; default: the report's "
                                                "first (docs/reports.md).")] = None) -> Response:
    """Charts: timeliness status | days_used | breach_trend; improvements breach_trend; contacts findings;
    pipeline stages."""
    if kind is not None and kind not in CHARTS[name]:
        raise InvalidParameter("query.chart", f"report {name} has the charts {', '.join(CHARTS[name])}")
    query = report_query(principal, settings.default_timezone, settings.calendar_policy, now=now, first=first,
                         last=last, team=team, readings=settings.readings)
    return Response(chart(engine, name, query, kind=kind, fmt=fmt), media_type=MEDIA[fmt])


def report_query(principal: Principal, zone: str, calendar: str, *, now: datetime, first: date | None,
                 last: date | None, team: str | None, readings: Readings | None = None) -> ReportQuery:
    """The query the caller may run: its team for managers, its examination period for examiners."""
    if principal.grant.cases is not None:
        raise Forbidden("a token limited to named cases may not read portfolio reports")
    if principal.role in TEAM_ROLES:
        if team is not None and team != principal.grant.team:
            raise Forbidden("a manager may read the reports of their own team only")
        team = principal.grant.team
    as_of = as_of_for(principal, None, today=now.astimezone(ZoneInfo(zone)).date())
    first, last = clamp(principal, first, last or as_of)
    if first is not None and last is not None and first > last:
        raise InvalidParameter("query.from", f"{first} is after {last} (or outside the token's period)")
    return ReportQuery(period_for(first, last, today=as_of), as_of, team, calendar, readings or Readings())


def _wants_csv(request: Request) -> bool:
    accept = request.headers.get("accept", "")
    return any(part.split(";")[0].strip().lower() == CSV for part in accept.split(","))

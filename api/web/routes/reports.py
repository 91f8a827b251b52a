"""Reports: timeliness per rule and team, contact compliance, the pipeline and suggested improvements, with charts.

The figures come from the API's own report query (GET /v1/reports/{name}: its team and period rules); the
charts and the CSV are the API's own, fetched through the console's edge.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field
from starlette.responses import Response

from api.deps import EngineDep, NowDep, SettingsDep
from api.routes import reports as report_api
from api.schemas.common import SpanDate
from api.web.forms import query_values
from api.web.rendering import render
from audit.report_charts import CHARTS
from audit.reports import build_report
from compliance.reports.table import Table

router = APIRouter(prefix="/console", tags=["console"])
NAMES = ("timeliness", "contacts", "pipeline", "improvements")
TITLES = {"timeliness": "Timeliness", "contacts": "Contact compliance", "pipeline": "Pipeline",
          "improvements": "Improvements"}
PERCENT_SUFFIXES = ("rate", "_of_allowed")


class ReportForm(BaseModel):
    """The report page's filters."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    name: Literal["timeliness", "contacts", "pipeline", "improvements"] = "timeliness"
    first: SpanDate | None = Field(default=None, alias="from")
    last: SpanDate | None = Field(default=None, alias="to")
    team: Annotated[str | None, Field(min_length=1, max_length=200)] = None


def shown(table: Table) -> tuple[list[str], list[list[str]]]:
    """The table's columns that hold something in some row, ratios as percentages."""
    rows = table.text_rows()
    keep = [i for i, _ in enumerate(table.columns) if any(row[i] for row in rows)]
    columns = [table.columns[i] for i in keep]
    percent = {i for i in keep if table.columns[i].endswith(PERCENT_SUFFIXES)}
    return columns, [[_percent(row[i]) if i in percent else row[i] for i in keep] for row in rows]


def _percent(text: str) -> str:
    return f"{float(text) * 100:.1f}%" if text else text


def _links(form: ReportForm, period: tuple[date, date]) -> dict[str, Any]:
    base = {"from": period[0].isoformat(), "to": period[1].isoformat(), **({"team": form.team} if form.team else {})}
    charts = [(kind, f"/console/reports/{form.name}/chart.svg?" + urlencode({**base, "chart": kind}))
              for kind in CHARTS[form.name]]
    return {"charts": charts, "csv": f"/console/reports/{form.name}.csv?" + urlencode(base)}


@router.get("/reports", summary="Performance reports")
def reports_page(
    request: Request, principal: report_api.Reader, engine: EngineDep, settings: SettingsDep, now: NowDep
) -> Response:
    """What GET /v1/reports/{name} answers this token, as a table, with the report's charts and its CSV."""
    form = ReportForm.model_validate(query_values(request))
    query = report_api.report_query(principal, settings.default_timezone, settings.calendar_policy, now=now,
                                    first=form.first, last=form.last, team=form.team,
                                    readings=settings.readings)
    result = build_report(engine, form.name, query)
    columns, rows = shown(result.table())
    context = {
        "form": form, "names": NAMES, "titles": TITLES, "columns": columns, "rows": rows,
        "period": query.period, "as_of": query.as_of, "source": result.source, "failed": result.failed_cases,
        **_links(form, (query.period.start, query.period.end)),
    }
    return render(request, "reports.html", context, principal=principal)

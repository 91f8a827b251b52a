"""Examiner exports: one case's bundle, and a portfolio streamed as a zip (issue 6). Every export is access-logged."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response
from fastapi.responses import StreamingResponse

from api.auth import EXAMINER, OFFICER, Principal, RecordedRead, as_of_for, clamp, period
from api.case_views import scoped_case
from api.deps import EngineDep, NowDep, StateDep
from api.errors import Forbidden, InvalidParameter
from api.schemas.common import AUTH_ERRORS, CaseId, SpanDate, problem_responses
from audit.export.bundle import ExportRequest, export_case
from audit.export.portfolio import export_portfolio
from audit.export.portfolio_scope import PortfolioScope
from audit.reads import case_zone
from compliance.alerting import local_today

router = APIRouter(prefix="/v1", tags=["exports"])
CaseExporter = Annotated[Principal, Depends(RecordedRead("case_export", OFFICER, EXAMINER))]
PortfolioExporter = Annotated[Principal, Depends(RecordedRead("portfolio_export", OFFICER, EXAMINER))]
ZIP = "application/zip"
ZIP_RESPONSE = {200: {"content": {ZIP: {}}, "description": "The export bundle (zip)"}}
Redact = Annotated[bool, Query(description="Pseudonyms for borrower references and free text.")]
AsOf = Annotated[SpanDate | None, Query(description="Judge clocks as of this date (inside the token's period).")]


def _attachment(name: str) -> dict[str, str]:
    return {"Content-Disposition": f'attachment; filename="{name}"'}


@router.get("/cases/{case_id}/export", response_class=Response, summary="The case's examiner bundle (zip)",
            responses={**ZIP_RESPONSE, **problem_responses(*AUTH_ERRORS, 404)})
def get_case_export(case_id: CaseId, principal: CaseExporter, state: StateDep, engine: EngineDep, now: NowDep, *,
                    redact: Redact = False, as_of: AsOf = None) -> Response:
    """events.jsonl/csv, clocks.json/csv, contacts.csv, report.pdf, manifest.json with the signed checkpoint and
    proofs, and verify.py: `python verify.py BUNDLE.zip` checks it offline."""
    stored = scoped_case(engine, principal, case_id)
    day = as_of_for(principal, as_of, today=local_today(now, case_zone(stored)))
    content = export_case(engine, case_id, key=state.signing_key, now=now, actor=principal.actor, redact=redact,
                          calendar=state.settings.calendar_policy, as_of=day, tree=state.log_tree,
                          readings=state.settings.readings)
    return Response(content, media_type=ZIP, headers=_attachment(f"case-{case_id}-export.zip"))


def _scope(principal: Principal, cases: list[str] | None, first: date | None, last: date | None) -> PortfolioScope:
    limited = principal.grant.cases
    if cases:
        outside = sorted(set(cases) - set(limited)) if limited is not None else []
        if outside:
            raise Forbidden(f"cases {', '.join(outside)} are not among the cases this token may read")
        return PortfolioScope(cases=tuple(cases))
    if limited is not None:
        raise Forbidden("this token is limited to named cases: pass them as `cases`")
    first, last = clamp(principal, first, last)
    if first is None or last is None:
        raise InvalidParameter("query.from", "give `from` and `to` (a range of days), or `cases`")
    if first > last:
        raise InvalidParameter("query.from", f"{first} is after {last} (or outside the token's period)")
    return PortfolioScope(recorded_from=first, recorded_to=last)


@router.get("/exports/portfolio", response_class=StreamingResponse, summary="A portfolio export, streamed (zip)",
            responses={**ZIP_RESPONSE, **problem_responses(*AUTH_ERRORS)})
def get_portfolio_export(
    principal: PortfolioExporter, state: StateDep, engine: EngineDep, now: NowDep, *,
    first: Annotated[SpanDate | None, Query(alias="from", description="First day (UTC) a case was touched.")] = None,
    last: Annotated[SpanDate | None, Query(alias="to", description="Last day (UTC) a case was touched.")] = None,
    cases: Annotated[list[str] | None, Query(description="Case ids instead of a range (repeatable).")] = None,
    redact: Redact = False, as_of: AsOf = None,
) -> StreamingResponse:
    """Every event, clock and contact of the cases touched in a range of days (or of the listed cases), with
    proofs, the data tape (loans.csv) and verify.py, streamed in constant memory."""
    scope = _scope(principal, cases, first, last)
    # A token with an examination period judges clocks inside it; otherwise each case's own local today.
    day = as_of_for(principal, as_of, today=now.date()) if as_of or any(period(principal)) else None
    request = ExportRequest(key=state.signing_key, now=now, actor=principal.actor, redact=redact,
                            calendar=state.settings.calendar_policy, as_of=day, tree=state.log_tree,
                            readings=state.settings.readings)
    return StreamingResponse(export_portfolio(engine, scope, request), media_type=ZIP,
                             headers=_attachment(f"portfolio-export-{now:%Y%m%dT%H%M%SZ}.zip"))

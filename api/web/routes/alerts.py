"""The alerts inbox: open, acknowledged and escalated alerts, and acknowledging one in one click."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from starlette.responses import RedirectResponse, Response

from api.deps import EngineDep, NowDep, SettingsDep
from api.routes import alerts as alert_api
from api.schemas.alerts import AlertQuery
from api.web.access import may
from api.web.forms import CheckedForm, query_values
from api.web.rendering import render, secure
from audit.tokens import TEAM_ROLES
from compliance.rulebook import RULES_BY_ID

router = APIRouter(prefix="/console", tags=["console"])
TABS = ("open", "acknowledged", "escalated")
PAGE = 200
COUNT_CAP = 1000  # the tabs count up to this many alerts, then show "1000+"


def _count(principal: Any, engine: Any, *, state: str, team: str | None) -> int:
    found = alert_api.get_alerts(AlertQuery(state=state, team=team, limit=COUNT_CAP), principal, engine)
    return len(found["items"]) + (1 if found["next_after"] else 0)


@router.get("/alerts", summary="The alerts inbox")
def alerts_page(request: Request, principal: alert_api.Reader, engine: EngineDep) -> Response:
    """The alerts GET /v1/alerts would list for this token, by state; managers may acknowledge them here."""
    values = {"state": "open", **query_values(request, lists=()), "limit": PAGE}
    values.pop("acknowledged", None)
    query = AlertQuery.model_validate(values)
    page = alert_api.get_alerts(query, principal, engine)
    counts = {tab: _count(principal, engine, state=tab, team=query.team) for tab in TABS}
    context = {
        "query": query, "alerts": page["items"], "next_after": page["next_after"], "tabs": TABS,
        "counts": counts, "cap": COUNT_CAP, "may_acknowledge": may(principal, alert_api.Manager),
        "acknowledged": request.query_params.get("acknowledged"), "rules": RULES_BY_ID,
        "team_scoped": principal.role in TEAM_ROLES,
    }
    return render(request, "alerts.html", context, principal=principal)


@router.post("/alerts/{alert_id}/acknowledge", summary="Acknowledge an alert")
def acknowledge(
    alert_id: str, form: CheckedForm, principal: alert_api.Manager, engine: EngineDep, settings: SettingsDep,
    now: NowDep,
) -> Response:
    """POST /v1/alerts/{id}/acknowledge on the manager's behalf: alert_acknowledged goes into the case log."""
    alert_api.acknowledge(alert_id, principal, engine, settings, now)
    back = form.get("back") if form.get("back") in TABS else "open"
    target = f"/console/alerts?state={back}&acknowledged={quote(alert_id, safe='')}"
    return secure(RedirectResponse(target, status_code=303))

"""Alerts: list them (state, level, team, manager) and acknowledge one (managers; recorded in the case log)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query

from api.alert_jobs import projecting_policy
from api.auth import ADMIN, MANAGER, OFFICER, Allow, Principal
from api.deps import EngineDep, NowDep, SettingsDep
from api.errors import Forbidden
from api.schemas.alerts import AlertOut, AlertPageOut, AlertQuery
from api.schemas.common import AUTH_ERRORS, problem_responses
from audit.alerts import AlertFilter, AlertRecord, acknowledge_alert, get_alert, list_alerts
from audit.tokens import TEAM_ROLES

router = APIRouter(prefix="/v1/alerts", tags=["alerts"])
Reader = Annotated[Principal, Depends(Allow(MANAGER, OFFICER, ADMIN))]
Manager = Annotated[Principal, Depends(Allow(MANAGER))]


@router.get("", response_model=AlertPageOut, summary="List alerts the token may see",
            responses=problem_responses(*AUTH_ERRORS, 404))
def get_alerts(query: Annotated[AlertQuery, Query()], principal: Reader, engine: EngineDep) -> dict[str, Any]:
    """Filter by state, level, team, manager and case; a manager sees the alerts of their own team."""
    team = _team_scope(principal, query.team)
    filters = AlertFilter(state=query.state, level=query.level, team=team, manager_id=query.manager,
                          case_id=query.case_id)
    page = list_alerts(engine, filters, limit=query.limit + 1, after=query.after)
    items = page[: query.limit]
    return {"items": [_out(a) for a in items], "next_after": items[-1].alert_id if len(page) > query.limit else None}


@router.post("/{alert_id}/acknowledge", response_model=AlertOut, summary="Acknowledge an alert (managers)",
             responses=problem_responses(*AUTH_ERRORS, 404, 409))
def acknowledge(alert_id: str, principal: Manager, engine: EngineDep, settings: SettingsDep, now: NowDep) -> Any:
    """Record `alert_acknowledged` in the case log and mark the alert acknowledged (again: no change)."""
    alert = get_alert(engine, alert_id)
    if alert.team is not None and alert.team != principal.grant.team:
        raise Forbidden(f"alert {alert_id} belongs to another team")
    record = acknowledge_alert(engine, alert_id, actor=principal.actor, now=now, policy=projecting_policy(settings))
    return _out(record)


def _team_scope(principal: Principal, requested: str | None) -> str | None:
    """Team roles see their own team only; others see what they ask for."""
    if principal.role not in TEAM_ROLES:
        return requested
    if requested is not None and requested != principal.grant.team:
        raise Forbidden("a manager may list the alerts of their own team only")
    return principal.grant.team


def _out(record: AlertRecord) -> dict[str, Any]:
    values = asdict(record)
    values["recipients"] = list(record.recipients)
    return values

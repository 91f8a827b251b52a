"""Audit search across cases: events by actor, type and time range, paged (GET /v1/audit/events)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from pydantic import ValidationError
from starlette.responses import Response

from api.deps import EngineDep
from api.routes import audit as audit_api
from api.schemas.events import AuditQuery
from api.web.forms import query_values
from api.web.rendering import render
from compliance.events import EVENT_TYPES

router = APIRouter(prefix="/console", tags=["console"])
PAGE = 50
INSTANTS = ("recorded_from", "recorded_to")


def as_utc(values: dict[str, Any]) -> dict[str, Any]:
    """The form's datetime-local fields (no offset) read as UTC, as the page's labels say."""
    for name in INSTANTS:
        try:
            instant = datetime.fromisoformat(values[name])
        except (KeyError, TypeError, ValueError):
            continue  # absent, or left for the API's model to refuse by name
        if instant.tzinfo is None:
            values[name] = instant.replace(tzinfo=UTC).isoformat()
    return values


@router.get("/audit", summary="Audit search across cases")
def audit_page(request: Request, principal: audit_api.Auditor, engine: EngineDep) -> Response:
    """The filters of GET /v1/audit/events; results in log order, PAGE at a time."""
    values = as_utc(query_values(request, lists=("type",)))
    form = {k: v for k, v in values.items() if k != "after"}
    context: dict[str, Any] = {"form": form, "types": sorted(EVENT_TYPES), "errors": [], "page": None}
    try:
        query = AuditQuery.model_validate({**values, "limit": PAGE})
    except ValidationError as exc:
        context["errors"] = [f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()]
        return render(request, "audit.html", context, principal=principal, status=422)
    if values:
        page = audit_api.get_audit_events(query, principal, engine)
        more = urlencode([*_pairs(form), ("after", page["next_after"])]) if page["next_after"] else None
        context.update(page=page["items"], next_link=more, after=query.after, first_link=urlencode(_pairs(form)))
    return render(request, "audit.html", context, principal=principal)


def _pairs(form: dict[str, Any]) -> list[tuple[str, Any]]:
    pairs: list[tuple[str, Any]] = []
    for key, value in form.items():
        pairs += [(key, v) for v in value] if isinstance(value, list) else [(key, value)]
    return pairs

"""Operational endpoints: /healthz (process up), /readyz (database and schema), /metrics (Prometheus)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response
from sqlalchemy import text

from api.deps import EngineDep, StateDep
from api.errors import NotReady
from api.metrics import render
from api.schemas.common import problem_responses
from audit.migrate import is_up_to_date

router = APIRouter(tags=["operations"])


@router.get("/healthz", summary="The process is up")
def healthz() -> dict[str, str]:
    """Always 200 while the process serves requests."""
    return {"status": "ok"}


@router.get("/readyz", summary="The database is reachable and its schema current",
            responses=problem_responses(503))
def readyz(engine: EngineDep) -> dict[str, Any]:
    """200 when the database answers and is at this code's migration head; 503 (problem+json) otherwise."""
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        current = is_up_to_date(engine)
    except Exception as exc:  # noqa: BLE001 - any failure to reach the database means "not ready"
        raise NotReady("the database is not reachable") from exc
    if not current:
        raise NotReady("the database schema is not at this version's migration head")
    return {"status": "ready", "database": "reachable", "migrations": "current"}


@router.get("/metrics", summary="Prometheus metrics", response_class=Response,
            responses={200: {"content": {"text/plain": {}}}})
def metrics(state: StateDep) -> Response:
    """Request counts and latencies by route and status, appends, open clocks, breaches, scheduler lag."""
    body, content_type = render(state.metrics)
    return Response(body, media_type=content_type)

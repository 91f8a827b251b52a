"""The rulebook: every rule id with its citation, clock, and effective dates."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends

from api.auth import EVERYONE, Allow, Principal
from api.schemas.clocks import RulebookOut
from api.schemas.common import AUTH_ERRORS, problem_responses
from compliance.rulebook import HISTORICAL_RULES, RULES

router = APIRouter(prefix="/v1", tags=["rules"])
Anyone = Annotated[Principal, Depends(Allow(*EVERYONE))]


@router.get("/rules", response_model=RulebookOut, summary="The rulebook with citations and effective dates",
            responses=problem_responses(*AUTH_ERRORS))
def get_rules(_principal: Anyone) -> dict[str, Any]:
    """Rules in force (CONTRACT §3) and the dated historical rules kept for old audits."""
    return {"rules": [r.to_json() for r in RULES], "historical": [r.to_json() for r in HISTORICAL_RULES]}

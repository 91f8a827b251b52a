"""Administration: issue, list and revoke tokens; read the service's (non-secret) configuration."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends

from api.auth import ADMIN, Allow, Principal
from api.deps import EngineDep, NowDep, SettingsDep
from api.schemas.admin import TokenCreate, TokenCreatedOut, TokenListOut
from api.schemas.common import AUTH_ERRORS, problem_responses
from api.token_admin import issue, revoke
from audit.tokens import TokenRequest, list_tokens

router = APIRouter(prefix="/v1/admin", tags=["admin"])
Admin = Annotated[Principal, Depends(Allow(ADMIN))]
# Non-secret settings an administrator may read back (never URLs with passwords, keys or secrets).
VISIBLE_SETTINGS = (
    "default_timezone", "calendar_policy", "regf_scope", "live_contact_satisfied_by", "log_format", "log_level",
    "max_clock_skew_seconds", "max_payload_bytes",
    "checkpoint_every", "scheduler_enabled", "scan_interval_seconds", "max_request_bytes", "rate_limit_per_second",
    "rate_limit_burst", "group_commit",
)


@router.get("/tokens", response_model=TokenListOut, summary="Every token ever issued (never secrets)",
            responses=problem_responses(*AUTH_ERRORS))
def get_tokens(_admin: Admin, engine: EngineDep) -> dict[str, Any]:
    """Tokens with role, limits, expiry and revocation."""
    return {"items": [g.to_json() for g in list_tokens(engine)]}


@router.post("/tokens", status_code=201, response_model=TokenCreatedOut, summary="Issue a token (shown once)",
             responses=problem_responses(*AUTH_ERRORS, 413, 415))
def create_token(body: TokenCreate, admin: Admin, engine: EngineDep, now: NowDep) -> dict[str, Any]:
    """The secret is in this response only; the service keeps its SHA-256 hash."""
    request = TokenRequest(name=body.name, role=body.role, team=body.team, cases=body.cases,
                           valid_from=body.valid_from, valid_to=body.valid_to, expires_at=body.expires_at)
    secret, grant = issue(engine, request, by=admin.actor, now=now)
    return {"token": secret, "grant": grant.to_json()}


@router.post("/tokens/{name_or_id}/revoke", response_model=TokenListOut, summary="Revoke tokens by name or id",
             responses=problem_responses(*AUTH_ERRORS, 404))
def revoke_tokens(name_or_id: str, admin: Admin, engine: EngineDep, now: NowDep) -> dict[str, Any]:
    """Every unrevoked token with this name (or the one with this id) stops working at once."""
    return {"items": [g.to_json() for g in revoke(engine, name_or_id, by=admin.actor, now=now)]}


@router.get("/configuration", summary="The service's non-secret settings", responses=problem_responses(*AUTH_ERRORS))
def configuration(_admin: Admin, settings: SettingsDep, engine: EngineDep) -> dict[str, Any]:
    """Settings in force (secrets and connection strings left out) and the database backend."""
    shown = settings.model_dump(mode="json", include=set(VISIBLE_SETTINGS))
    return {**shown, "database_backend": engine.dialect.name}

"""Issuing and revoking tokens, each recorded in the access log (who granted or withdrew access, and when)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Engine

from audit.access_log import record_access
from audit.store import Actor
from audit.tokens import TokenGrant, TokenRequest, issue_token, revoke_token


def issue(engine: Engine, request: TokenRequest, *, by: Actor, now: datetime) -> tuple[str, TokenGrant]:
    """Issue a token and record the grant (never the secret) in the access log."""
    secret, grant = issue_token(engine, request, now=now)
    record_access(engine, actor_id=by.id, actor_role=by.role, action="token_issued", case_id=None,
                  details={"token": grant.to_json()}, now=now)
    return secret, grant


def revoke(engine: Engine, name_or_id: str, *, by: Actor, now: datetime) -> list[TokenGrant]:
    """Revoke tokens by name or id and record which ones in the access log."""
    grants = revoke_token(engine, name_or_id, now=now)
    record_access(engine, actor_id=by.id, actor_role=by.role, action="token_revoked", case_id=None,
                  details={"tokens": [g.id for g in grants], "name_or_id": name_or_id}, now=now)
    return grants

"""API bearer tokens: issued once as random secrets, stored only as SHA-256 hashes, scoped by role and limits."""

from __future__ import annotations

import hashlib
import json
import re
import secrets
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, Engine, insert, or_, select, update

from audit.access_schema import api_tokens
from audit.database import connect, write_transaction
from audit.driver_reads import fetch, per_dialect
from audit.reads import recorded_at_text

# CONTRACT §1 roles a person or integration may hold (`system` is the service itself, never a token).
TOKEN_ROLES = ("specialist", "manager", "compliance_officer", "examiner", "admin")
TEAM_ROLES = frozenset({"specialist", "manager"})  # read (and, for specialists, write) their team's cases
# The data of a case's latest case_assigned event (its uq_events_case_version index, walked backwards).
_CASE_TEAM = per_dialect(
    "SELECT data FROM events WHERE case_id = ? AND type = 'case_assigned' ORDER BY version DESC LIMIT 1"
)
# The name becomes the actor id of every event the token appends: printable, no spaces, bounded.
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@:+-]{0,199}$")


class TokenRefused(ValueError):
    """A token cannot be issued as asked (unknown role, missing team, name in use, bad limits)."""


class TokenNotFound(LookupError):
    """No token has that name or id."""


@dataclass(frozen=True)
class TokenGrant:
    """What a token allows: role, team, optional case list and examination period, expiry, revocation."""

    id: str
    name: str
    role: str
    team: str | None
    cases: tuple[str, ...] | None
    valid_from: date | None
    valid_to: date | None
    created_at: str
    expires_at: str | None
    revoked_at: str | None

    def active(self, now: datetime) -> bool:
        """True unless revoked or expired at `now`."""
        if self.revoked_at is not None:
            return False
        return self.expires_at is None or recorded_at_text(now) < self.expires_at

    def to_json(self) -> dict[str, Any]:
        """Plain JSON values (never the secret, never its hash)."""
        return {
            "id": self.id, "name": self.name, "role": self.role, "team": self.team,
            "cases": list(self.cases) if self.cases is not None else None,
            "valid_from": self.valid_from.isoformat() if self.valid_from else None,
            "valid_to": self.valid_to.isoformat() if self.valid_to else None,
            "created_at": self.created_at, "expires_at": self.expires_at, "revoked_at": self.revoked_at,
        }


@dataclass(frozen=True)
class TokenRequest:
    """The grant asked for when issuing a token."""

    name: str
    role: str
    team: str | None = None
    cases: Sequence[str] | None = None
    valid_from: date | None = None
    valid_to: date | None = None
    expires_at: datetime | None = None


def hash_secret(secret: str) -> str:
    """SHA-256 (hex) of a token secret: the only form in which a secret is stored or looked up."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def _grant(values: Mapping[str, Any]) -> TokenGrant:
    return TokenGrant(
        id=values["id"], name=values["name"], role=values["role"], team=values["team"],
        cases=tuple(json.loads(values["cases"])) if values["cases"] is not None else None,
        valid_from=date.fromisoformat(values["valid_from"]) if values["valid_from"] else None,
        valid_to=date.fromisoformat(values["valid_to"]) if values["valid_to"] else None,
        created_at=values["created_at"], expires_at=values["expires_at"], revoked_at=values["revoked_at"],
    )


def _refusals(request: TokenRequest) -> list[str]:
    problems = []
    if request.role not in TOKEN_ROLES:
        problems.append(f"unknown role {request.role!r}; expected one of {', '.join(TOKEN_ROLES)}")
    if not _NAME.match(request.name):
        problems.append("name must be 1-200 characters: letters, digits and . _ @ : + - (no spaces)")
    if request.role in TEAM_ROLES and not request.team:
        problems.append(f"a {request.role} token needs a team")
    if (request.valid_from or request.valid_to) and request.role != "examiner":
        problems.append("an examination period (--from/--to) applies to examiner tokens only")
    if request.valid_from and request.valid_to and request.valid_from > request.valid_to:
        problems.append("the examination period ends before it starts")
    if request.cases is not None and not all(0 < len(c) <= 200 for c in request.cases):
        problems.append("case ids must be 1-200 characters")
    if request.expires_at is not None and request.expires_at.utcoffset() is None:
        problems.append("the expiry needs a UTC offset")
    return problems


def issue_token(target: Engine | Connection, request: TokenRequest, *, now: datetime) -> tuple[str, TokenGrant]:
    """Create a token; return (secret, grant). The secret is never stored and cannot be shown again."""
    problems = _refusals(request)
    if problems:
        raise TokenRefused("; ".join(problems))
    secret = secrets.token_urlsafe(32)
    row = {
        "id": str(uuid.uuid4()), "name": request.name, "role": request.role, "token_hash": hash_secret(secret),
        "team": request.team, "cases": json.dumps(list(request.cases)) if request.cases is not None else None,
        "valid_from": request.valid_from.isoformat() if request.valid_from else None,
        "valid_to": request.valid_to.isoformat() if request.valid_to else None,
        "created_at": recorded_at_text(now),
        "expires_at": recorded_at_text(request.expires_at) if request.expires_at else None, "revoked_at": None,
    }
    with write_transaction(target) as conn:
        # A name is one identity (the actor id of its events): at most one active token carries it.
        if any(grant.active(now) for grant in _named(conn, request.name)):
            raise TokenRefused(f"an active token is already named {request.name!r}; revoke it first")
        conn.execute(insert(api_tokens).values(**row))
    return secret, _grant(row)


def _named(conn: Connection, name: str) -> list[TokenGrant]:
    return [_grant(row._mapping) for row in conn.execute(select(api_tokens).where(api_tokens.c.name == name))]


def authenticate(target: Engine | Connection, secret: str, *, now: datetime) -> TokenGrant | None:
    """The grant of an active token with this secret, or None (unknown, revoked or expired alike)."""
    query = select(api_tokens).where(api_tokens.c.token_hash == hash_secret(secret))
    with connect(target) as conn:
        row = conn.execute(query).first()
    grant = _grant(row._mapping) if row is not None else None
    return grant if grant is not None and grant.active(now) else None


def revoke_token(target: Engine | Connection, name_or_id: str, *, now: datetime) -> list[TokenGrant]:
    """Revoke the token with this id, or every unrevoked token with this name; TokenNotFound when none."""
    match = or_(api_tokens.c.id == name_or_id, api_tokens.c.name == name_or_id)
    with write_transaction(target) as conn:
        found = [_grant(row._mapping) for row in conn.execute(select(api_tokens).where(match))]
        if not found:
            raise TokenNotFound(f"no token has the name or id {name_or_id!r}")
        ids = [grant.id for grant in found if grant.revoked_at is None]
        if ids:
            conn.execute(update(api_tokens).where(api_tokens.c.id.in_(ids)).values(revoked_at=recorded_at_text(now)))
        rows = conn.execute(select(api_tokens).where(match).order_by(api_tokens.c.created_at)).all()
    return [_grant(row._mapping) for row in rows]


def list_tokens(target: Engine | Connection) -> list[TokenGrant]:
    """Every token ever issued, oldest first (revoked and expired ones included)."""
    with connect(target) as conn:
        rows = conn.execute(select(api_tokens).order_by(api_tokens.c.created_at, api_tokens.c.id)).all()
    return [_grant(row._mapping) for row in rows]


def case_team(target: Engine | Connection, case_id: str) -> str | None:
    """The team a case is assigned to (its latest case_assigned event), or None while unassigned.

    A reassignment is a new case_assigned event; access follows the latest one as recorded.
    """
    rows = fetch(target, _CASE_TEAM, (case_id,))  # on the driver: one per API append (audit.driver_reads)
    return str(json.loads(rows[0][0])["team"]) if rows else None

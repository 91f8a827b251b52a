"""Models of token administration, the access log and audit integrity."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from api.schemas.common import PageLimit, Role, SpanDate, SpanDateTime

NEW_EXAMINER = {"name": "cfpb-exam-2026q3", "role": "examiner", "cases": ["C-1001", "C-1002"],
                "valid_from": "2026-01-01", "valid_to": "2026-06-30", "expires_at": "2026-09-30T23:59:59Z"}


class TokenCreate(BaseModel):
    """Issue a token: a name (the actor id of everything it records), a role, and optional limits."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [NEW_EXAMINER, {"name": "dialer-east", "role": "specialist", "team": "east"}]},
    )

    name: Annotated[str, Field(min_length=1, max_length=200)]
    role: Role
    team: Annotated[str | None, Field(max_length=200)] = None
    cases: list[Annotated[str, Field(min_length=1, max_length=200)]] | None = None
    valid_from: SpanDate | None = None
    valid_to: SpanDate | None = None
    expires_at: AwareDatetime | None = None


class TokenOut(BaseModel):
    """A token's grant (never its secret)."""

    id: str
    name: str
    role: str
    team: str | None
    cases: list[str] | None
    valid_from: str | None
    valid_to: str | None
    created_at: str
    expires_at: str | None
    revoked_at: str | None


class TokenCreatedOut(BaseModel):
    """The new token's secret (shown this once only) and its grant."""

    token: str
    grant: TokenOut


class TokenListOut(BaseModel):
    """Every token ever issued."""

    items: list[TokenOut]


class AccessEntryOut(BaseModel):
    """One recorded access."""

    position: int
    id: str
    recorded_at: str
    actor: dict[str, str]
    action: str
    case_id: str | None
    data: dict[str, Any]
    prev_hash: str
    hash: str


class AccessPageOut(BaseModel):
    """A page of the access log; pass `next_after` as `after` for the next page (null at the end)."""

    items: list[AccessEntryOut]
    next_after: int | None


class AccessQuery(BaseModel):
    """Access-log filters (all optional), paged by position."""

    model_config = ConfigDict(extra="forbid")

    actor: Annotated[str | None, Field(max_length=200)] = None
    case_id: Annotated[str | None, Field(max_length=200)] = None
    action: Annotated[str | None, Field(max_length=64)] = None
    recorded_from: SpanDateTime | None = None
    recorded_to: SpanDateTime | None = None
    after: int = Field(default=0, ge=0)
    limit: PageLimit = 100


class IntegrityOut(BaseModel):
    """Where the log stands and how to check it: head, latest signed checkpoint, public key, last verification."""

    log_head: dict[str, Any]
    checkpoint: dict[str, Any] | None
    public_key: str
    key_id: str
    verification: dict[str, Any] | None = Field(description="The last verification run by this service, or null")


class VerificationOut(BaseModel):
    """A verification run: the event log (chain, Merkle roots, signatures) and the access log's chain."""

    checked_at: str
    ok: bool
    events: dict[str, Any]
    access_log: dict[str, Any]

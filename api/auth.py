"""Access control: bearer-token authentication, role checks, case scope and the examiner's period."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

import structlog
from fastapi import Request
from starlette.datastructures import State

from api.blocking import run_blocking
from api.errors import Forbidden, Unauthenticated
from api.token_cache import TokenCache
from audit.access_log import record_access
from audit.store import Actor
from audit.tokens import TEAM_ROLES, TokenGrant, authenticate, hash_secret

SPECIALIST, MANAGER, OFFICER, EXAMINER, ADMIN = "specialist", "manager", "compliance_officer", "examiner", "admin"
CASE_READERS = (SPECIALIST, MANAGER, OFFICER, EXAMINER)
EVERYONE = (SPECIALIST, MANAGER, OFFICER, EXAMINER, ADMIN)
# Every read of a case trail or export by these roles is recorded in the access log (issue 5).
ACCESS_LOGGED = frozenset({OFFICER, EXAMINER})


@dataclass(frozen=True)
class Principal:
    """The authenticated caller: its token's grant, and the actor its appended events carry."""

    grant: TokenGrant

    @property
    def role(self) -> str:
        """The token's role."""
        return self.grant.role

    @property
    def actor(self) -> Actor:
        """The actor of every event this caller appends: the token's name and role, never client input."""
        return Actor(id=self.grant.name, role=self.grant.role)


def bearer_secret(authorization: str | None) -> str:
    """The secret of an `Authorization: Bearer <token>` header; Unauthenticated otherwise."""
    scheme, _, secret = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        raise Unauthenticated("an Authorization: Bearer <token> header is required")
    return secret.strip()


class Allow:
    """Dependency: authenticate the bearer token, apply its rate limit, and require one of `roles`."""

    def __init__(self, *roles: str) -> None:
        self.roles = frozenset(roles)

    async def __call__(self, request: Request) -> Principal:
        state = request.app.state
        grant = await verified_grant(state, bearer_secret(request.headers.get("authorization")))
        if grant is None:
            raise Unauthenticated("the token is unknown, revoked or expired")
        # The token's name is a staff or integration id, never borrower PII (STYLE rule 14).
        request.state.actor = grant.name
        structlog.contextvars.bind_contextvars(actor=grant.name)
        state.rate_limiter.take(grant.id)
        if grant.role not in self.roles:
            raise Forbidden(f"the {grant.role} role may not {request.method} {_template(request)}")
        return Principal(grant)


async def verified_grant(state: State, secret: str) -> TokenGrant | None:
    """The active grant of this secret: from the app's TokenCache, else looked up (in a worker thread) and kept."""
    now = state.clock()
    cache: TokenCache = state.token_cache
    key = hash_secret(secret)
    grant = cache.get(key)
    if grant is None:
        generation = cache.generation
        grant = await run_blocking(state, authenticate, state.engine, secret, now=now)
        if grant is not None:
            cache.put(key, grant, generation=generation)
    # Expiry is judged on every request, cached or not.
    return grant if grant is not None and grant.active(now) else None


def _template(request: Request) -> str:
    route = request.scope.get("route")
    return str(getattr(route, "path", request.url.path))


class RecordedRead(Allow):
    """Allow, then record the read in the access log when the caller is an examiner or compliance officer."""

    def __init__(self, action: str, *roles: str) -> None:
        super().__init__(*roles)
        self.action = action

    async def __call__(self, request: Request) -> Principal:
        principal = await super().__call__(request)
        if principal.role in ACCESS_LOGGED:
            # Recorded durably before the data is read and returned: an access the log lacks never happened.
            await run_blocking(request.app.state, self._record, request, principal)
        return principal

    def _record(self, request: Request, principal: Principal) -> None:
        state = request.app.state
        record_access(
            state.engine, actor_id=principal.grant.name, actor_role=principal.role, action=self.action,
            case_id=request.path_params.get("case_id"), details=read_details(request), now=state.clock(),
        )


def read_details(request: Request) -> dict[str, Any]:
    """What the access log keeps of a read: route, query parameters and request id (no response data)."""
    query: dict[str, Any] = {}
    for key in request.query_params:
        values = request.query_params.getlist(key)
        query[key] = values if len(values) > 1 else values[0]
    return {"method": request.method, "path": request.url.path, "query": query,
            "request_id": getattr(request.state, "request_id", None)}


def check_case(principal: Principal, case_id: str, *, team: str | None) -> None:
    """Forbidden unless the token may see this case: its case list, and its team for team roles."""
    grant = principal.grant
    if grant.cases is not None and case_id not in grant.cases:
        raise Forbidden(f"case {case_id} is not among the cases this token may read")
    if grant.role not in TEAM_ROLES:
        return
    # Specialists also reach unassigned cases (the intake queue), so the case they open can be assigned.
    if team == grant.team or (team is None and grant.role == SPECIALIST):
        return
    raise Forbidden(f"case {case_id} belongs to another team")


def may_see(principal: Principal, case_id: str, *, team: str | None) -> bool:
    """check_case as a predicate (for filtering lists)."""
    try:
        check_case(principal, case_id, team=team)
    except Forbidden:
        return False
    return True


def check_assignments(principal: Principal, events: Iterable[Mapping[str, Any]]) -> None:
    """A specialist may assign a case only to their own team (reassigning elsewhere is not theirs to do)."""
    if principal.role != SPECIALIST:
        return
    for index, event in enumerate(events):
        data = event.get("data")
        assigns = event.get("type") == "case_assigned" and isinstance(data, Mapping)
        if assigns and data.get("team") != principal.grant.team:  # type: ignore[union-attr]
            raise Forbidden(f"events[{index}]: a specialist may assign cases only to their own team")


def period(principal: Principal) -> tuple[date | None, date | None]:
    """The examiner's examination period (inclusive), (None, None) when unlimited."""
    return principal.grant.valid_from, principal.grant.valid_to


def clamp(principal: Principal, start: date | None, end: date | None) -> tuple[date | None, date | None]:
    """A requested date range narrowed to the token's examination period."""
    first, last = period(principal)
    if first is not None:
        start = max(start, first) if start else first
    if last is not None:
        end = min(end, last) if end else last
    return start, end


def check_as_of(principal: Principal, as_of: date) -> None:
    """Forbidden when `as_of` lies outside the token's examination period."""
    first, last = period(principal)
    if (first and as_of < first) or (last and as_of > last):
        raise Forbidden(f"as_of {as_of.isoformat()} is outside this token's examination period")


def as_of_for(principal: Principal, requested: date | None, *, today: date) -> date:
    """The day clocks are judged on: as asked (inside the token's period), else today moved into the period."""
    if requested is not None:
        check_as_of(principal, requested)
        return requested
    first, last = period(principal)
    day = min(today, last) if last else today
    return max(day, first) if first else day

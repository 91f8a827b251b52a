"""Refusals decided at the edge (authentication, authorisation, rate limits, parameters), mapped in problems.py."""

from __future__ import annotations


class Unauthenticated(Exception):
    """No bearer token, or one that is unknown, revoked or expired (401)."""


class Forbidden(Exception):
    """The token is valid but its role or scope does not allow this request (403)."""


class RateLimited(Exception):
    """The token has used up its request budget for now (429)."""

    def __init__(self, retry_after: float) -> None:
        self.retry_after = retry_after
        super().__init__(f"rate limit exceeded; retry after {retry_after:.1f} s")


class InvalidParameter(ValueError):
    """A parameter is well-formed for its type but unusable here (422 naming it, e.g. `query.after`)."""

    def __init__(self, loc: str, reason: str) -> None:
        self.loc = loc
        self.reason = reason
        super().__init__(f"{loc}: {reason}")


class NotReady(Exception):
    """The service cannot serve yet: database unreachable or schema not current (503)."""

"""RFC 9457 problem details: the one table mapping every refusal to a status and an application/problem+json body."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from api.errors import Forbidden, InvalidParameter, NotReady, RateLimited, Unauthenticated
from audit.alerts import AlertNotFound, AlertNotPermitted, AlertStateConflict
from audit.checkpoints import CheckpointRefused
from audit.errors import CaseNotFound, ConcurrencyConflict, EventRejected, IdempotencyConflict
from audit.tokens import TokenNotFound, TokenRefused
from timelines.span import CalendarRangeError

PROBLEM_JSON = "application/problem+json"
TYPE_BASE = "/problems/"


class ProblemResponse(JSONResponse):
    """A JSON response with the RFC 9457 media type."""

    media_type = PROBLEM_JSON


def problem(
    status: int,
    *,
    detail: str,
    kind: str | None = None,
    instance: str | None = None,
    request_id: str | None = None,
    extra: Mapping[str, Any] | None = None,
    headers: Mapping[str, str] | None = None,
) -> ProblemResponse:
    """A problem response: `kind` names a problem type of this API; without it the type is about:blank."""
    body: dict[str, Any] = {
        "type": TYPE_BASE + kind if kind else "about:blank",
        "title": HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
    }
    if instance is not None:
        body["instance"] = instance
    if request_id is not None:
        body["request_id"] = request_id
    body.update(extra or {})
    # X-Request-ID itself is added to every response, problems included, by api.middleware.
    return ProblemResponse(body, status_code=status, headers=dict(headers or {}))


def request_id_of(request: Request) -> str | None:
    """The request id the middleware assigned (None outside the middleware, e.g. in a bare test app)."""
    return getattr(request.state, "request_id", None)


def _respond(request: Request, status: int, detail: str, **kwargs: Any) -> ProblemResponse:
    return problem(status, detail=detail, instance=request.url.path, request_id=request_id_of(request), **kwargs)


def field_errors(errors: Sequence[Any]) -> list[dict[str, str]]:
    """[{loc, reason}] from FieldError-like objects."""
    return [{"loc": e.loc, "reason": e.reason} for e in errors]


@dataclass(frozen=True)
class Rule:
    """How one exception class becomes a problem: status, problem type, extension members and headers."""

    status: int | Callable[[Request, Exception], int]
    kind: str | None = None
    members: Callable[[Exception], dict[str, Any]] | None = None
    headers: Callable[[Exception], dict[str, str]] | None = None


def _conflict_status(request: Request, _exc: Exception) -> int:
    # RFC 9110 §13.1.1: a failed If-Match precondition is 412; a race without a precondition is 409.
    return 412 if request.headers.get("if-match") is not None else 409


def _versions(exc: Exception) -> dict[str, Any]:
    assert isinstance(exc, ConcurrencyConflict)  # noqa: S101 - the table routes only this class here
    return {"case_id": exc.case_id, "expected_version": exc.expected, "current_version": exc.actual}


# THE table: every domain and edge refusal, mapped once (STYLE rule 11).
RULES: dict[type[Exception], Rule] = {
    EventRejected: Rule(422, "event-rejected", members=lambda e: {"errors": field_errors(e.errors)}),  # type: ignore[attr-defined]
    ConcurrencyConflict: Rule(_conflict_status, "concurrency-conflict", members=_versions),
    IdempotencyConflict: Rule(409, "idempotency-conflict", members=lambda e: {"case_id": e.case_id}),  # type: ignore[attr-defined]
    CaseNotFound: Rule(404, "case-not-found", members=lambda e: {"case_id": e.case_id}),  # type: ignore[attr-defined]
    CalendarRangeError: Rule(422, "calendar-range"),
    InvalidParameter: Rule(
        422, "invalid-parameter", members=lambda e: {"errors": [{"loc": e.loc, "reason": e.reason}]},  # type: ignore[attr-defined]
    ),
    TokenRefused: Rule(422, "token-refused"),
    CheckpointRefused: Rule(409, "checkpoint-refused"),
    AlertNotFound: Rule(404, "alert-not-found", members=lambda e: {"alert_id": e.alert_id}),  # type: ignore[attr-defined]
    AlertStateConflict: Rule(409, "alert-state-conflict", members=lambda e: {"state": e.state}),  # type: ignore[attr-defined]
    AlertNotPermitted: Rule(403),
    TokenNotFound: Rule(404, "token-not-found"),
    Unauthenticated: Rule(401, headers=lambda _e: {"WWW-Authenticate": 'Bearer realm="compliance"'}),
    Forbidden: Rule(403),
    NotReady: Rule(503),
    RateLimited: Rule(429, headers=lambda e: {"Retry-After": str(max(1, round(e.retry_after)))}),  # type: ignore[attr-defined]
}


def _domain_handler(rule: Rule) -> Callable[[Request, Exception], Any]:
    def handle(request: Request, exc: Exception) -> ProblemResponse:
        status = rule.status(request, exc) if callable(rule.status) else rule.status
        return _respond(
            request, status, str(exc), kind=rule.kind,
            extra=rule.members(exc) if rule.members else None, headers=rule.headers(exc) if rule.headers else None,
        )

    return handle


def validation_loc(loc: Sequence[Any]) -> str:
    """A pydantic location as a field path: body fields as `events[0].data.x`, others as `query.as_of`."""
    parts = list(loc)
    where = parts.pop(0) if parts and parts[0] in ("body", "query", "path", "header", "cookie") else None
    path = ""
    for part in parts:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    if where == "body":
        return path or "body"
    return f"{where}.{path}" if where and path else (where or path)


def _reason(error: Mapping[str, Any]) -> str:
    return str(error.get("msg", "invalid")).removeprefix("Value error, ")


def _validation_handler(request: Request, exc: Exception) -> ProblemResponse:
    assert isinstance(exc, RequestValidationError)  # noqa: S101 - registered for this class only
    errors = list(exc.errors())
    if any(e.get("type") == "json_invalid" for e in errors):
        return _respond(request, 400, "the request body is not valid JSON", kind="malformed-json")
    found = [{"loc": validation_loc(e.get("loc", ())), "reason": _reason(e)} for e in errors]
    detail = "; ".join(f"{e['loc']}: {e['reason']}" for e in found)
    return _respond(request, 422, detail, kind="validation", extra={"errors": found})


def _http_handler(request: Request, exc: Exception) -> ProblemResponse:
    assert isinstance(exc, StarletteHTTPException)  # noqa: S101 - registered for this class only
    detail = exc.detail if isinstance(exc.detail, str) else HTTPStatus(exc.status_code).description
    return _respond(request, exc.status_code, detail, headers=exc.headers)


def install_problem_handlers(app: FastAPI) -> None:
    """Register the table's handlers, request validation (422/400) and HTTP errors (404, 405 ...)."""
    for exc_class, rule in RULES.items():
        app.add_exception_handler(exc_class, _domain_handler(rule))
    app.add_exception_handler(RequestValidationError, _validation_handler)
    app.add_exception_handler(StarletteHTTPException, _http_handler)

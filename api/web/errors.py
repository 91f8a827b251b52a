"""The console's refusals as HTML pages: the same exceptions the API maps to problems, shown to a person."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import quote

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import RedirectResponse, Response

from api.errors import Forbidden, InvalidParameter, RateLimited, Unauthenticated
from api.web.forms import CsrfRejected, FormRefused
from api.web.rendering import render, secure
from api.web.session import current, forget
from audit.alerts import AlertNotFound, AlertNotPermitted, AlertStateConflict
from audit.errors import CaseNotFound
from timelines.span import CalendarRangeError

log = structlog.get_logger()
SIGN_IN = "/console/sign-in"


def sign_in_redirect(request: Request) -> Response:
    """303 to the sign-in page, remembering where the person was going (GET pages only)."""
    target = SIGN_IN
    if request.method == "GET" and request.url.path != SIGN_IN:
        wanted = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        target += "?next=" + quote(wanted, safe="")
    response = RedirectResponse(target, status_code=303)
    if current(request).signed_in:
        forget(response, request)  # the token was revoked or expired: the session is over
    return secure(response)


def error_page(request: Request, status: int, title: str, detail: str, **headers: str) -> Response:
    """The console's error page."""
    response = render(request, "error.html", {"status": status, "title": title, "detail": detail}, status=status)
    response.headers.update(headers)
    return response


def _messages(exc: Exception) -> str:
    errors = exc.errors() if isinstance(exc, ValidationError | RequestValidationError) else []
    if not errors:
        return str(exc)
    return "; ".join(f"{'.'.join(str(p) for p in e.get('loc', ()) if p not in ('query', 'path'))}: {e.get('msg')}"
                     for e in errors)


def _handler(status: int, title: str) -> Callable[[Request, Exception], Response]:
    def handle(request: Request, exc: Exception) -> Response:
        return error_page(request, status, title, _messages(exc))

    return handle


def _rate_limited(request: Request, exc: Exception) -> Response:
    retry = max(1, round(getattr(exc, "retry_after", 1)))
    return error_page(request, 429, "Too many requests", str(exc), **{"Retry-After": str(retry)})


def _form_refused(request: Request, exc: Exception) -> Response:
    return error_page(request, getattr(exc, "status", 400), "Form not accepted", str(exc))


def _http(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)  # noqa: S101 - registered for this class only
    title = "Page not found" if exc.status_code == 404 else "Request not accepted"
    detail = exc.detail if isinstance(exc.detail, str) else title
    return error_page(request, exc.status_code, title, detail)


def _unexpected(request: Request, exc: Exception) -> Response:
    # The stack goes to the log with the request id (the service's middleware logs it); the person gets the id.
    return error_page(request, 500, "Something went wrong", "The console could not show this page.")


HANDLERS: dict[type[Exception], Callable[[Request, Exception], Any]] = {
    Unauthenticated: lambda request, _exc: sign_in_redirect(request),
    Forbidden: _handler(403, "Not permitted"),
    CsrfRejected: _handler(403, "Form expired"),
    FormRefused: _form_refused,
    CaseNotFound: _handler(404, "Case not found"),
    AlertNotFound: _handler(404, "Alert not found"),
    AlertNotPermitted: _handler(403, "Not permitted"),
    AlertStateConflict: _handler(409, "Alert already settled"),
    InvalidParameter: _handler(422, "Invalid filter"),
    CalendarRangeError: _handler(422, "Date outside the calendar"),
    ValidationError: _handler(422, "Invalid filter"),
    RequestValidationError: _handler(422, "Invalid request"),
    RateLimited: _rate_limited,
    StarletteHTTPException: _http,
    Exception: _unexpected,
}


def install_error_pages(app: FastAPI) -> None:
    """Register the console's HTML handlers on its app."""
    for exc_class, handler in HANDLERS.items():
        app.add_exception_handler(exc_class, handler)

"""Rendering console pages: the Jinja2 environment, the context every page shares, and response headers."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.templating import Jinja2Templates
from jinja2 import StrictUndefined
from starlette.responses import HTMLResponse, Response

from api.auth import Principal
from api.web.access import pages_for
from api.web.forms import CSRF_FIELD
from api.web.session import current, is_new, store
from api.web.timeline import anchor_of

HERE = Path(__file__).parent
TEMPLATES = Jinja2Templates(directory=str(HERE / "templates"))
# Pages hold case data: never cached, never framed, and nothing but the console's own files may run or style them.
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    ),
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}


def _day(value: str | date | datetime | None) -> str:
    """A date as `Thu 2026-07-09`; an instant as `2026-07-09 14:05 UTC`."""
    if value is None or value == "":
        return "—"
    if isinstance(value, str):
        value = datetime.fromisoformat(value) if "T" in value else date.fromisoformat(value)
    if isinstance(value, datetime):
        if value.utcoffset() is None:
            return value.isoformat(sep=" ", timespec="minutes")
        return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
    return value.strftime("%a %Y-%m-%d")


def _written(value: str | None) -> str:
    """An occurred_at as written: a date as `Thu 2026-07-09`, a timestamp in its own offset (`22:15 -04:00`)."""
    if not value:
        return "—"
    if "T" not in value:
        return _day(value)
    instant = datetime.fromisoformat(value)
    offset = instant.strftime("%z")
    return instant.strftime("%a %Y-%m-%d %H:%M ") + (f"{offset[:3]}:{offset[3:]}" if offset else "")


def _plain(value: Any) -> str:
    """A data value as text: lists and objects as compact JSON, everything else as itself."""
    if isinstance(value, dict | list):
        return json.dumps(value, separators=(", ", ": "), ensure_ascii=False)
    return str(value)


def _words(value: str | None) -> str:
    """A snake_case identifier as words (`payment_missed` -> `payment missed`)."""
    return (value or "").replace("_", " ")


TEMPLATES.env.filters["day"] = _day
TEMPLATES.env.filters["words"] = _words
TEMPLATES.env.filters["written"] = _written
TEMPLATES.env.filters["plain"] = _plain
TEMPLATES.env.undefined = StrictUndefined  # a misspelt name fails the page (and its test), never renders blank
TEMPLATES.env.globals["anchor_of"] = anchor_of


def secure(response: Response) -> Response:
    """Add the console's security headers."""
    response.headers.update(SECURITY_HEADERS)
    return response


def render(
    request: Request, template: str, context: Mapping[str, Any], *,
    principal: Principal | None = None, status: int = 200,
) -> HTMLResponse:
    """A page: the template with the shared context (menu, CSRF field, who is signed in), headers and cookie."""
    session = current(request)
    shared = {
        "request": request, "principal": principal, "csrf_field": CSRF_FIELD, "csrf_token": session.csrf,
        "menu": pages_for(principal) if principal is not None else [], "path": request.url.path,
        "request_id": request.scope.get("state", {}).get("request_id"),
    }
    response = TEMPLATES.TemplateResponse(request, template, {**shared, **context}, status_code=status)
    if is_new(request):
        store(response, request, session)
    return secure(response)  # type: ignore[return-value]

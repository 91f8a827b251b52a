"""Console form posts: urlencoded bodies only, small, and carrying the session's CSRF token."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import parse_qsl

from fastapi import Depends, Request

from api.web.session import current

MAX_FORM_BYTES = 16 * 1024  # the console's forms hold a token, a CSRF field and a few filters
FORM_TYPE = "application/x-www-form-urlencoded"
CSRF_FIELD = "csrf_token"


class FormRefused(Exception):
    """A post the console will not read: wrong media type (415) or too large (413)."""

    def __init__(self, status: int, detail: str) -> None:
        self.status = status
        super().__init__(detail)


class CsrfRejected(Exception):
    """A post whose CSRF token is missing or does not match the session's (403)."""


async def read_form(request: Request) -> dict[str, str]:
    """The urlencoded fields of the request body (the last value of a repeated field)."""
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type != FORM_TYPE:
        raise FormRefused(415, f"console forms are posted as {FORM_TYPE}")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_FORM_BYTES:
            raise FormRefused(413, f"a console form is at most {MAX_FORM_BYTES} bytes")
    try:
        pairs = parse_qsl(body.decode("utf-8"), keep_blank_values=True, strict_parsing=False, max_num_fields=50)
    except (UnicodeDecodeError, ValueError) as exc:
        raise FormRefused(415, "the form body is not valid urlencoded UTF-8") from exc
    return dict(pairs)


async def checked_form(request: Request) -> dict[str, str]:
    """The form's fields once its CSRF token matches the session's; CsrfRejected otherwise."""
    fields = await read_form(request)
    if not current(request).csrf_matches(fields.get(CSRF_FIELD)):
        raise CsrfRejected("the form's security token is missing or out of date; reload the page and try again")
    return fields


CheckedForm = Annotated[dict[str, str], Depends(checked_form)]


def query_values(request: Request, *, lists: tuple[str, ...] = ()) -> dict[str, Any]:
    """A page's query parameters for an API query model: blank fields left out (a GET form sends them all)."""
    found: dict[str, Any] = {}
    for key, value in request.query_params.multi_items():
        if not value.strip():
            continue
        if key in lists:
            found.setdefault(key, []).append(value)
        else:
            found[key] = value
    return found

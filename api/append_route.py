"""The append route's handler: a well-formed request parsed directly, anything else through FastAPI's own handler.

Why: on POST /v1/cases/{id}/events, FastAPI's generic solving of the route's parameters (the path, two
headers, the auth dependency and the body, each through its field machinery) cost more of the event loop's
time than the append itself asks of it (bench/api.py). The direct path does the same steps in the same
order with the same objects: the path and headers checked against the route's own limits, the body decoded
by json.loads (as FastAPI's Request.json) and validated by the same pydantic model in the same mode, the
same Allow dependency instance called on the same request. It only takes a request when every check
passes before the dependency runs; a request it does not take (a malformed body, an over-long header, a
repeated header, overridden dependencies) goes to FastAPI's handler untouched, so every refusal keeps
FastAPI's status and problem body byte for byte.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from typing import Any

from fastapi import Request, Response
from fastapi.routing import APIRoute
from pydantic import BaseModel, ValidationError

from api.auth import Principal

MAX_CASE_ID, MAX_HEADER = 200, 200  # the route's CaseId and Idempotency-Key limits (api.schemas)


@dataclass(frozen=True)
class AppendArguments:
    """The append endpoint's parameters, as FastAPI would have solved them."""

    case_id: str
    body: Any  # an instance of the route's body model
    principal: Principal
    if_match: str | None
    idempotency_key: str | None


AppendHandler = Callable[[Request, AppendArguments], Awaitable[Response]]


class DirectAppendRoute(APIRoute):
    """An APIRoute whose handler first tries `direct` (set on the class by direct_append_route)."""

    body_model: type[BaseModel]
    authorize: Callable[[Request], Awaitable[Principal]]
    direct: AppendHandler

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        """FastAPI's handler, behind the direct path for POST."""
        standard = super().get_route_handler()
        if self.methods != {"POST"}:
            return standard
        body_model, authorize, direct = type(self).body_model, type(self).authorize, type(self).direct

        async def handler(request: Request) -> Response:
            parsed = await _parse(request, body_model)
            if parsed is None:
                return await standard(request)
            case_id, body, if_match, idempotency_key = parsed
            principal = await authorize(request)
            return await direct(request, AppendArguments(case_id, body, principal, if_match, idempotency_key))

        return handler


def direct_append_route(
    body_model: type[BaseModel], authorize: Callable[[Request], Awaitable[Principal]], direct: AppendHandler
) -> type[DirectAppendRoute]:
    """A route class for one router: its POST routes take `body_model`, `authorize` and run `direct`."""
    return type("AppendRoute", (DirectAppendRoute,), {
        "body_model": body_model, "authorize": staticmethod(authorize), "direct": staticmethod(direct),
    })


async def _parse(request: Request, body_model: type[BaseModel]) -> tuple[str, Any, str | None, str | None] | None:
    """(case_id, body, If-Match, Idempotency-Key) when FastAPI would accept them all; None to let it decide."""
    if request.app.dependency_overrides:
        return None
    case_id = request.path_params.get("case_id")
    if not isinstance(case_id, str) or not 1 <= len(case_id) <= MAX_CASE_ID:
        return None
    headers = request.headers
    found: dict[str, str | None] = {"if-match": None, "idempotency-key": None}
    for name in found:
        values = headers.getlist(name)
        if len(values) > 1:
            return None
        found[name] = values[0] if values else None
    key = found["idempotency-key"]
    if key is not None and len(key) > MAX_HEADER:
        return None
    if not _is_json(headers.get("content-type")):
        return None
    raw = await request.body()
    if not raw:
        return None
    try:
        body = body_model.model_validate(json.loads(raw))
    except (ValueError, ValidationError):  # JSONDecodeError and UnicodeDecodeError are ValueErrors
        return None
    return case_id, body, found["if-match"], key


def _is_json(content_type: str | None) -> bool:
    """application/json or application/*+json, plainly written (FastAPI decodes the body as JSON then)."""
    if content_type is None:
        return False
    media = content_type.partition(";")[0].strip().lower()
    return media == "application/json" or (media.startswith("application/") and media.endswith("+json"))

"""JSON bodies rendered once, for hot routes whose body is built from the store's typed values.

A route returning a dict has FastAPI validate it against its response_model and then serialize it: for a
50-event trail that validation cost more than the rendering (bench/api.py). The response_model stays on
the route (OpenAPI, and the schema the fuzz tests hold every response to); the body is rendered directly.
"""

from __future__ import annotations

from typing import Any

import pydantic_core
from starlette.responses import Response


class RenderedJSON(Response):
    """application/json rendered by pydantic-core: compact, UTF-8 as is (as FastAPI's own rendering)."""

    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        """The JSON bytes of `content` (plain JSON values only)."""
        return pydantic_core.to_json(content)

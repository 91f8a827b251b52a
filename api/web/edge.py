"""The console's edge: one ASGI layer in front of the service that sends /console requests to the console.

The console is its own small app (HTML forms, its own error pages) sharing the service's state. This layer
opens the session cookie, drops any client-sent Authorization header and puts the session's bearer token
in its place, so every console page runs the API's own authentication and role dependencies unchanged.
A signed-in GET that stands for an API download (a case's export bundle, a report's chart or CSV) is handed
to that API endpoint itself (same roles, same access log, same bytes), since a browser link cannot carry a
bearer header.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import quote

from starlette.types import ASGIApp, Receive, Scope, Send

from api.web.access import ApiRoutes
from api.web.session import NEW_KEY, STATE_KEY, SessionCodec, cookie_value

PREFIX = "/console"
EXPORT_ROUTE = "/v1/cases/{case_id}/export"
CHART_ROUTE = "/v1/reports/{name}/chart.{fmt}"
REPORT_ROUTE = "/v1/reports/{name}"


@dataclass(frozen=True)
class Passthrough:
    """A console link standing for an API GET: its pattern, and the API route (OpenAPI template) it calls."""

    pattern: re.Pattern[str]
    route: str
    accept: str | None = None  # the media type to ask the API for, when not its default

    def target(self, path: str) -> str | None:
        """The API path this console path stands for, or None."""
        found = self.pattern.match(path)
        return self.route.format_map(found.groupdict()) if found else None


PASSTHROUGHS = (
    Passthrough(re.compile(r"^/console/cases/(?P<case_id>[^/]{1,200})/export$"), EXPORT_ROUTE),
    Passthrough(re.compile(r"^/console/reports/(?P<name>[a-z_]{1,40})/chart\.(?P<fmt>png|svg)$"), CHART_ROUTE),
    Passthrough(re.compile(r"^/console/reports/(?P<name>[a-z_]{1,40})\.csv$"), REPORT_ROUTE, accept="text/csv"),
)


def is_console_path(path: str) -> bool:
    """True for /console and everything under it."""
    return path == PREFIX or path.startswith(PREFIX + "/")


def _cookie_header(scope: Scope) -> str | None:
    for key, value in scope.get("headers", ()):
        if key == b"cookie":
            return str(value.decode("latin-1"))
    return None


def with_session(scope: Scope, codec: SessionCodec) -> Scope:
    """The scope with the session opened into its state and the session's token as its only credential."""
    session = codec.open(cookie_value(_cookie_header(scope)))
    headers = [(k, v) for k, v in scope.get("headers", ()) if k != b"authorization"]
    if session is not None and session.secret is not None:
        headers.append((b"authorization", b"Bearer " + session.secret.encode("latin-1")))
    state = dict(scope.get("state") or {})
    if session is not None:
        state[STATE_KEY] = session
    state.pop(NEW_KEY, None)
    return {**scope, "headers": headers, "state": state}


def api_target(scope: Scope) -> tuple[str, Passthrough] | None:
    """The API path and passthrough a console GET stands for, or None."""
    if scope.get("method") not in ("GET", "HEAD"):
        return None
    for passthrough in PASSTHROUGHS:
        target = passthrough.target(scope.get("path", ""))
        if target is not None:
            return target, passthrough
    return None


def rewritten(scope: Scope, target: str, passthrough: Passthrough) -> Scope:
    """The scope as a request for the API path (with the passthrough's Accept, if any)."""
    headers = scope["headers"]
    if passthrough.accept is not None:
        headers = [(k, v) for k, v in headers if k != b"accept"] + [(b"accept", passthrough.accept.encode())]
    return {**scope, "path": target, "raw_path": quote(target).encode("ascii"), "headers": headers}


def _signed_in(scope: Scope) -> bool:
    return any(k == b"authorization" for k, _ in scope.get("headers", ()))


class ConsoleEdge:
    """Route /console to the console app (session opened); every other request to the API unchanged."""

    def __init__(self, app: ASGIApp, *, console: ASGIApp, codec: SessionCodec, routes: ApiRoutes) -> None:
        self.app = app
        self.console = console
        self.codec = codec
        self.routes = routes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not is_console_path(scope.get("path", "")):
            await self.app(scope, receive, send)
            return
        scope = with_session(scope, self.codec)
        found = api_target(scope)
        if found is not None and _signed_in(scope) and self.routes.serves(found[1].route):
            await self.app(rewritten(scope, *found), receive, send)
            return
        await self.console(scope, receive, send)

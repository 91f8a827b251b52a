"""ASGI middleware: request ids, log context, access log lines, metrics, 500s, and body size and type limits."""

from __future__ import annotations

import itertools
import os
import re
import time

import structlog
from prometheus_client import Counter, Histogram
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.metrics import ServiceMetrics
from api.problems import problem

log = structlog.get_logger()
# An incoming X-Request-ID is kept only when it is short and plain (it lands in logs and headers).
_SANE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
_BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})
_JSON_TYPE = re.compile(r"^application/(?:[\w.+-]+\+)?json\s*(?:;.*)?$", re.IGNORECASE)


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key == name:
            return str(value.decode("latin-1"))
    return None


class RequestIds:
    """Request ids unique to this process: a random prefix drawn once, then a counter (32 hex digits).

    Not uuid4 per request: os.urandom releases the GIL, and the event loop may then wait for a busy worker
    thread to give it back (bench/api.py).
    """

    def __init__(self) -> None:
        self._prefix = os.urandom(8).hex()
        self._counter = itertools.count()

    def next(self) -> str:
        """A new request id."""
        return f"{self._prefix}{next(self._counter):016x}"


def _route_template(scope: Scope) -> str:
    """The matched route's template (`/v1/cases/{case_id}`), never the raw path: bounded label cardinality."""
    route = scope.get("route")
    return str(getattr(route, "path", None) or "unmatched")


class RequestContextMiddleware:
    """Outermost layer: assigns the request id, binds log context, logs one access line, counts, catches 500s."""

    def __init__(self, app: ASGIApp, *, metrics: ServiceMetrics) -> None:
        self.app = app
        self.metrics = metrics
        self.ids = RequestIds()
        # Labelled children by (method, route, status): labels() costs more than the counting itself.
        self._children: dict[tuple[str, str, str], tuple[Counter, Histogram]] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = _header(scope, b"x-request-id")
        request_id = incoming if incoming and _SANE_REQUEST_ID.match(incoming) else self.ids.next()
        scope.setdefault("state", {})["request_id"] = request_id
        structlog.contextvars.clear_contextvars()
        structlog.contextvars.bind_contextvars(request_id=request_id)
        outcome = {"status": 500, "started": False}
        start = time.perf_counter()

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                outcome["status"], outcome["started"] = message["status"], True
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], (b"x-request-id", request_id.encode("ascii"))]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except Exception:
            await self._internal_error(scope, receive, send_with_id, request_id, started=bool(outcome["started"]))
        finally:
            self._finish(scope, int(outcome["status"]), time.perf_counter() - start)

    def _metrics_of(self, method: str, route: str, status: str) -> tuple[Counter, Histogram]:
        """The request counter and latency histogram children of these labels (routes are templates: bounded)."""
        key = (method, route, status)
        found = self._children.get(key)
        if found is None:
            labels = {"method": method, "route": route, "status": status}
            found = self._children[key] = (
                self.metrics.requests.labels(**labels), self.metrics.latency.labels(**labels),
            )
        return found

    async def _internal_error(
        self, scope: Scope, receive: Receive, send: Send, request_id: str, *, started: bool
    ) -> None:
        # The exception and its stack go to the log with the request id; the client gets the id only.
        log.exception("request_failed", path=scope.get("path"), method=scope.get("method"))
        if started:
            return  # a response is already on the wire: nothing more can be said to this client
        response = problem(
            500, detail=f"internal error; quote request id {request_id} when reporting it",
            instance=scope.get("path"), request_id=request_id,
        )
        await response(scope, receive, send)

    def _finish(self, scope: Scope, status: int, seconds: float) -> None:
        route, method = _route_template(scope), str(scope.get("method", ""))
        count, latency = self._metrics_of(method, route, str(status))
        count.inc()
        latency.observe(seconds)
        actor = scope.get("state", {}).get("actor")
        log.info("http_request", method=method, route=route, status=status, ms=round(seconds * 1000, 2),
                 actor=actor)
        structlog.contextvars.clear_contextvars()


class BodyLimitMiddleware:
    """Refuse bodies over `max_bytes` (413) and non-JSON bodies on write methods (415) before any parsing."""

    def __init__(self, app: ASGIApp, *, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("method") not in _BODY_METHODS:
            await self.app(scope, receive, send)
            return
        declared = _header(scope, b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await self._refuse(scope, receive, send, 413, f"request body larger than {self.max_bytes} bytes")
            return
        body = await self._read(receive)
        if body is None:
            await self._refuse(scope, receive, send, 413, f"request body larger than {self.max_bytes} bytes")
            return
        content_type = _header(scope, b"content-type") or ""
        if body and not _JSON_TYPE.match(content_type):
            await self._refuse(scope, receive, send, 415, "request bodies must be application/json")
            return
        await self.app(scope, _replay(body, receive), send)

    async def _read(self, receive: Receive) -> bytes | None:
        """The whole body, or None as soon as it passes the limit (a chunked upload cannot exceed it either)."""
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return b"".join(chunks)
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_bytes:
                return None
            chunks.append(chunk)
            if not message.get("more_body", False):
                return b"".join(chunks)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send, status: int, detail: str) -> None:
        request_id = scope.get("state", {}).get("request_id")
        response = problem(status, detail=detail, instance=scope.get("path"), request_id=request_id)
        await response(scope, receive, send)


def _replay(body: bytes, upstream: Receive) -> Receive:
    """A receive callable that hands the already-read body to the app once, then waits on the real channel."""
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if sent:
            return await upstream()
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return receive


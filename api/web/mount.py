"""The console as a small app of its own, served by the service under /console."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from starlette.types import ASGIApp

from api.middleware import RequestContextMiddleware
from api.web.access import ApiRoutes
from api.web.board import CaseMemo
from api.web.edge import ConsoleEdge
from api.web.errors import install_error_pages
from api.web.rendering import HERE
from api.web.routes import ROUTERS
from api.web.session import SessionCodec


def build_console(app: FastAPI) -> FastAPI:
    """The console's app: its pages and static files, HTML error pages, sharing the service's state."""
    console = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)
    console.state = app.state  # engine, clock, settings, signing key, rate limiter: one service
    install_error_pages(console)
    for router in ROUTERS:
        console.include_router(router)
    console.mount("/console/static", StaticFiles(directory=str(HERE / "static")), name="console-static")
    return console


def console_stack(app: FastAPI) -> ASGIApp:
    """The console app inside the service's own request-id, logging and metrics layer.

    That layer wraps the whole console app (not added as its middleware) so the console's own 500 page is
    sent first, and the layer then logs the failure with the request id the page shows.
    """
    return RequestContextMiddleware(build_console(app), metrics=app.state.metrics)


def mount_console(app: FastAPI) -> None:
    """Serve the console under /console. Call once in create_app, after the API's routes and middleware."""
    app.state.console_codec = SessionCodec(app.state.signing_key)
    app.state.console_routes = ApiRoutes(app)
    app.state.console_memo = CaseMemo()
    app.add_middleware(
        ConsoleEdge, console=console_stack(app), codec=app.state.console_codec, routes=app.state.console_routes,
    )

"""The composition root of the HTTP service: create_app(settings) wires settings, logging, database, key and routes.

Nothing is built at import time: `uvicorn --factory api.app:create_app` calls create_app in the server process.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

import structlog
from fastapi import FastAPI

from api.blocking import blocking_pool
from api.heap import freeze_startup_heap, thaw_heap
from api.log_config import configure_logging
from api.metrics import build_metrics
from api.middleware import BodyLimitMiddleware, RequestContextMiddleware
from api.problems import install_problem_handlers
from api.ratelimit import RateLimiter
from api.recording import append_policy
from api.routes import ROUTERS
from api.scheduler import service_scheduler
from api.schemas.common import ProblemOut
from api.settings import Settings
from api.token_cache import TokenCache
from api.web import mount_console
from audit.checkpoints import LogTree
from audit.database import make_engine
from audit.group_commit import GroupCommitter
from audit.migrate import upgrade
from audit.signing import load_or_create_key

log = structlog.get_logger()
API_VERSION = "1.0.0"
DESCRIPTION = (
    "Compliance timelines and a tamper-evident audit log for US mortgage loss mitigation "
    "(Regulation X 12 CFR 1024.35-.41, Regulation F). Every error is RFC 9457 application/problem+json; "
    "every response carries X-Request-ID. Authenticate with `Authorization: Bearer <token>` "
    "(tokens come from `compliance tokens create`)."
)


def _utc_now() -> datetime:
    return datetime.now(UTC)


def create_app(settings: Settings | None = None, *, clock: Callable[[], datetime] | None = None) -> FastAPI:
    """Build the service: configure logging, open and migrate the database, load the signing key, add routes."""
    settings = settings or Settings()
    configure_logging(settings)
    engine = make_engine(settings.effective_database_url)
    upgrade(engine)  # issue 2: the schema is brought up to date at service start
    app = FastAPI(
        title="Loss-mitigation compliance API", version=API_VERSION, description=DESCRIPTION, lifespan=_lifespan,
    )
    state = app.state
    state.settings, state.engine, state.clock = settings, engine, clock or _utc_now
    state.signing_key = load_or_create_key(settings.effective_signing_key_path)
    state.log_tree = LogTree()
    state.metrics = build_metrics()
    state.rate_limiter = RateLimiter(per_second=settings.rate_limit_per_second, burst=settings.rate_limit_burst)
    state.token_cache = TokenCache(ttl=settings.token_cache_seconds)
    state.token_cache.watch(engine)
    state.committer = None  # started by the lifespan when settings.group_commit
    state.blocking_pool = None  # the lifespan's thread pool for blocking calls (api.blocking)
    # Issue 4: the monitoring scheduler (None unless settings.scheduler_enabled), started and stopped by the lifespan.
    state.scheduler = service_scheduler(state, clock=clock)
    state.last_verification = None
    install_problem_handlers(app)
    app.add_middleware(BodyLimitMiddleware, max_bytes=settings.max_request_bytes)
    app.add_middleware(RequestContextMiddleware, metrics=state.metrics)  # added last: outermost
    for router in ROUTERS:
        app.include_router(router)
    app.openapi = _openapi_with_problems(app)  # type: ignore[method-assign]
    mount_console(app)  # issue 7: the web console under /console (its edge sees /console requests only)
    return app


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    state = app.state
    # Two lifespans of one app may overlap (two test clients): each shuts down the pool it started.
    pool = state.blocking_pool = blocking_pool(state.engine)
    if state.settings.group_commit:
        state.committer = GroupCommitter(state.engine, policy=append_policy(state.settings)).start()
    if state.scheduler is not None:
        state.scheduler.start()
    log.info("service_started", group_commit=state.committer is not None)
    thresholds = freeze_startup_heap()  # last: everything started so far is long-lived (api.heap)
    try:
        yield
    finally:
        thaw_heap(thresholds)
        if state.scheduler is not None:
            state.scheduler.shutdown()
        if state.committer is not None:
            state.committer.close()
            state.committer = None
        if state.blocking_pool is pool:
            state.blocking_pool = None
        pool.shutdown(wait=True)
        state.engine.dispose()
        log.info("service_stopped")


def _openapi_with_problems(app: FastAPI) -> Callable[[], dict[str, Any]]:
    """app.openapi, with the ProblemOut schema that every error response references."""
    original = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = original()
            schemas = schema.setdefault("components", {}).setdefault("schemas", {})
            schemas["ProblemOut"] = ProblemOut.model_json_schema(ref_template="#/components/schemas/{model}")
            app.openapi_schema = schema
        return app.openapi_schema

    return openapi

"""Blocking calls (database, files) from async code, on a thread pool of the app's own.

Why not starlette's run_in_threadpool: anyio's per-call machinery (capacity limiter, cancel scope, run-var
lookups) costs several times the hop itself, on every request of the hot routes (bench/api.py). As with
anyio, the caller's context variables (the log's request id) go along into the thread.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import ParamSpec, TypeVar

from sqlalchemy import Engine
from starlette.datastructures import State

DEFAULT_WORKERS = 4
P = ParamSpec("P")
T = TypeVar("T")


def blocking_pool(engine: Engine) -> ThreadPoolExecutor:
    """The pool the lifespan starts (and shuts down) for run_blocking: one thread per pooled connection
    the group committer leaves (QueuePool's size, 5 by default).

    More threads would check out overflow connections, which the pool opens and closes around each use:
    on PostgreSQL a new connection (and its authentication) per request.
    """
    size = getattr(engine.pool, "size", None)
    workers = max(2, size() - 1) if callable(size) else DEFAULT_WORKERS
    return ThreadPoolExecutor(max_workers=workers, thread_name_prefix="api-blocking")


async def run_blocking(state: State, func: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T:
    """func(*args, **kwargs) in the app's pool (the loop's default pool outside the lifespan), awaited."""
    pool: ThreadPoolExecutor | None = getattr(state, "blocking_pool", None)
    call = functools.partial(contextvars.copy_context().run, func, *args, **kwargs)
    return await asyncio.get_running_loop().run_in_executor(pool, call)

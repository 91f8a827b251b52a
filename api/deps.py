"""Annotated dependencies of the routes: the app state's engine, clock and settings (STYLE rule 11).

Each is `async def` on purpose: FastAPI runs a plain `def` dependency in a worker thread, a hop that costs
more than the request's own work for a lookup like these (bench/api.py); none of them does I/O.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy import Engine
from starlette.datastructures import State

from api.settings import Settings


async def _state(request: Request) -> State:
    return request.app.state  # type: ignore[no-any-return]


async def _engine(request: Request) -> Engine:
    return request.app.state.engine  # type: ignore[no-any-return]


async def _now(request: Request) -> datetime:
    """The request's wall-clock instant: the one place a request reads the clock (injectable in tests)."""
    return request.app.state.clock()  # type: ignore[no-any-return]


async def _settings(request: Request) -> Settings:
    return request.app.state.settings  # type: ignore[no-any-return]


StateDep = Annotated[State, Depends(_state)]
EngineDep = Annotated[Engine, Depends(_engine)]
NowDep = Annotated[datetime, Depends(_now)]
SettingsDep = Annotated[Settings, Depends(_settings)]

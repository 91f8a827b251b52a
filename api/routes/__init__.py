"""HTTP routes, one module per resource; ROUTERS is the order they are mounted in."""

from __future__ import annotations

from fastapi import APIRouter

from api.routes import (
    admin,
    alerts,
    audit,
    calendars,
    cases,
    clocks,
    events,
    exports,
    health,
    integrity,
    reports,
    rules,
)

ROUTERS: tuple[APIRouter, ...] = (
    health.router, cases.router, events.router, clocks.router, alerts.router, audit.router, rules.router,
    calendars.router, integrity.router, admin.router, reports.router, exports.router,
)

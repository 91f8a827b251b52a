"""Console pages, one module per page; ROUTERS is the order they are added in."""

from __future__ import annotations

from fastapi import APIRouter

from api.web.routes import alerts, audit, board, case, integrity, reports, signin

ROUTERS: tuple[APIRouter, ...] = (
    signin.router, board.router, alerts.router, case.router, reports.router, audit.router, integrity.router,
)

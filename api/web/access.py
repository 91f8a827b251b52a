"""Who may open what in the console: read from the API's own route dependencies, never restated here.

Each page authenticates with the very `Annotated[Principal, Depends(...)]` alias its API endpoint uses, so a
role rule changed in the API changes the console with it. `roles_of` reads an alias's roles back, only to
decide which links and buttons to show; the dependency itself still decides every request.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, get_args

from fastapi import Depends

from api.auth import EVERYONE, Allow, Principal
from api.routes import alerts, audit, cases, exports, integrity, reports

# Any valid token, whatever its role: the console's landing page and sign-out.
SignedIn = Annotated[Principal, Depends(Allow(*EVERYONE))]
# The case export button follows GET /v1/cases/{case_id}/export (issue 6).
CaseExporter = exports.CaseExporter


def roles_of(alias: Any) -> frozenset[str]:
    """The roles an API dependency alias admits."""
    for meta in get_args(alias)[1:]:
        dependency = getattr(meta, "dependency", None)
        if isinstance(dependency, Allow):
            return dependency.roles
    raise TypeError(f"{alias!r} is not an Annotated[Principal, Depends(Allow(...))] alias")


def may(principal: Principal, alias: Any) -> bool:
    """True when the principal's role passes that dependency's role check."""
    return principal.role in roles_of(alias)


@dataclass(frozen=True)
class Page:
    """A top-level console page and the API dependency that guards it."""

    label: str
    path: str
    guard: Any


PAGES: tuple[Page, ...] = (
    Page("Deadline board", "/console/board", cases.Reader),
    Page("Alerts", "/console/alerts", alerts.Reader),
    Page("Reports", "/console/reports", reports.Reader),
    Page("Audit search", "/console/audit", audit.Auditor),
    Page("Integrity", "/console/integrity", integrity.Viewer),
)


def pages_for(principal: Principal) -> list[Page]:
    """The pages this principal may open, in menu order."""
    return [page for page in PAGES if may(principal, page.guard)]


class ApiRoutes:
    """Which endpoints the API serves, read once from its own OpenAPI document."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self._served: frozenset[tuple[str, str]] | None = None

    def serves(self, path: str, method: str = "GET") -> bool:
        """True when the API has this endpoint (path template as in OpenAPI, e.g. /v1/cases/{case_id}/export)."""
        if self._served is None:
            paths = self.app.openapi()["paths"]
            self._served = frozenset((m.upper(), p) for p, operations in paths.items() for m in operations)
        return (method.upper(), path) in self._served

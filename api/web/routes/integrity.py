"""The integrity page: log head, latest signed checkpoint, public key, last verification; verify on demand."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import RedirectResponse, Response

from api.deps import NowDep, StateDep
from api.routes import integrity as integrity_api
from api.web.access import may
from api.web.forms import CheckedForm
from api.web.rendering import render, secure

router = APIRouter(prefix="/console", tags=["console"])


@router.get("/integrity", summary="Audit integrity")
def integrity_page(request: Request, principal: integrity_api.Viewer, state: StateDep) -> Response:
    """What GET /v1/integrity shows this token."""
    status = integrity_api.get_integrity(principal, state)
    context = {"status": status, "may_verify": may(principal, integrity_api.Verifier),
               "verified": request.query_params.get("verified") == "true"}
    return render(request, "integrity.html", context, principal=principal)


@router.post("/integrity/verify", summary="Verify the whole log now")
def verify_now(_form: CheckedForm, principal: integrity_api.Verifier, state: StateDep, now: NowDep) -> Response:
    """POST /v1/integrity/verify on the officer's behalf; the verdict shows on the integrity page."""
    integrity_api.verify(principal, state, now)
    return secure(RedirectResponse("/console/integrity?verified=true", status_code=303))

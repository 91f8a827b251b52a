"""Signing in with a token (the session cookie), signing out, and the landing page."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlsplit

from fastapi import APIRouter, Query, Request
from starlette.responses import RedirectResponse, Response

from api.deps import StateDep
from api.web.access import SignedIn, pages_for
from api.web.forms import CheckedForm
from api.web.rendering import render, secure
from api.web.session import current, forget, store
from audit.tokens import authenticate

router = APIRouter(prefix="/console", tags=["console"])
NextPage = Annotated[str | None, Query(alias="next", max_length=2000)]


def safe_next(target: str | None) -> str:
    """Where to go after signing in: a console path only (never another site, never a scheme)."""
    if not target:
        return "/console/"
    parts = urlsplit(target)
    local = not parts.scheme and not parts.netloc and "\\" not in target and not target.startswith("//")
    return target if local and (parts.path == "/console" or parts.path.startswith("/console/")) else "/console/"


@router.get("/sign-in", summary="The sign-in form")
def sign_in_form(request: Request, next_page: NextPage = None, *, signed_out: bool = False) -> Response:
    """Ask for a token; the form carries the CSRF token of a fresh anonymous session."""
    context = {"next": safe_next(next_page), "error": None, "signed_out": signed_out}
    return render(request, "sign_in.html", context)


@router.post("/sign-in", summary="Sign in with a token")
def sign_in(request: Request, form: CheckedForm, state: StateDep) -> Response:
    """Accept an active token: a new session (new CSRF secret) holding it, then on to the page asked for."""
    secret = form.get("token", "").strip()
    grant = authenticate(state.engine, secret, now=state.clock()) if secret else None
    if grant is None:
        context = {"next": safe_next(form.get("next")), "signed_out": False,
                   "error": "That token is unknown, revoked or expired."}
        return render(request, "sign_in.html", context, status=401)
    response = RedirectResponse(safe_next(form.get("next")), status_code=303)
    store(response, request, current(request).signed_in_as(secret))
    return secure(response)


@router.post("/sign-out", summary="Sign out")
def sign_out(request: Request, _form: CheckedForm) -> Response:
    """End the session (the cookie is deleted; the token itself stays valid for the API)."""
    response = RedirectResponse("/console/sign-in?signed_out=true", status_code=303)
    forget(response, request)
    return secure(response)


@router.get("/", summary="Landing page")
@router.get("", include_in_schema=False)
def landing(request: Request, principal: SignedIn) -> Response:
    """The first page this role may open."""
    pages = pages_for(principal)
    if not pages:
        return render(request, "nothing.html", {}, principal=principal)
    return secure(RedirectResponse(pages[0].path, status_code=303))

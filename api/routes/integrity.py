"""Audit integrity: verification status, latest signed checkpoint and public key; verify and sign on demand."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends

from api.auth import ADMIN, EXAMINER, OFFICER, Allow, Principal
from api.deps import NowDep, StateDep
from api.integrity_views import integrity_status, run_verification, sign_checkpoint_now
from api.schemas.admin import IntegrityOut, VerificationOut
from api.schemas.common import AUTH_ERRORS, problem_responses

router = APIRouter(prefix="/v1/integrity", tags=["integrity"])
Viewer = Annotated[Principal, Depends(Allow(OFFICER, EXAMINER, ADMIN))]
Verifier = Annotated[Principal, Depends(Allow(OFFICER))]
Signer = Annotated[Principal, Depends(Allow(OFFICER, ADMIN))]


@router.get("", response_model=IntegrityOut, summary="Log head, signed checkpoint, public key, last verification",
            responses=problem_responses(*AUTH_ERRORS))
def get_integrity(_principal: Viewer, state: StateDep) -> dict[str, Any]:
    """What an examiner needs to check exports offline, and the last verdict of this service's verification."""
    return integrity_status(state)


@router.post("/verify", response_model=VerificationOut, summary="Verify the whole log now",
             responses=problem_responses(*AUTH_ERRORS))
def verify(_principal: Verifier, state: StateDep, now: NowDep) -> dict[str, Any]:
    """Recompute every hash, the chain, the Merkle roots, the signatures and the access log's chain."""
    return run_verification(state, now=now)


@router.post("/checkpoints", status_code=201, summary="Sign a checkpoint of the log as it stands",
             responses=problem_responses(*AUTH_ERRORS, 409))
def checkpoint(_principal: Signer, state: StateDep, now: NowDep) -> dict[str, Any]:
    """A signed statement of the log's size, Merkle root and chain head (409 while the log is empty)."""
    return sign_checkpoint_now(state, now=now)

"""Audit integrity for the API: where the log stands, its latest signed checkpoint, and verification runs."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from starlette.datastructures import State

from audit.access_log import verify_access_log
from audit.checkpoints import create_checkpoint, latest_checkpoint
from audit.reads import read_head, recorded_at_text
from audit.signing import key_id, public_key_pem
from audit.verify import verify_log


def integrity_status(state: State) -> dict[str, Any]:
    """Log head, latest signed checkpoint, public key and the last verification this service ran."""
    head = read_head(state.engine)
    checkpoint = latest_checkpoint(state.engine)
    return {
        "log_head": {"position": head.position, "hash": head.hash},
        "checkpoint": checkpoint.to_json() if checkpoint else None,
        "public_key": public_key_pem(state.signing_key),
        "key_id": key_id(state.signing_key),
        "verification": state.last_verification,
    }


def run_verification(state: State, *, now: datetime) -> dict[str, Any]:
    """Recompute the event log's chain, roots and signatures and the access log's chain; keep the verdict."""
    events = verify_log(state.engine, public_key_pem(state.signing_key))
    access = verify_access_log(state.engine)
    verdict = {"checked_at": recorded_at_text(now), "ok": events.ok and access.ok,
               "events": events.to_json(), "access_log": access.to_json()}
    state.last_verification = verdict
    return verdict


def sign_checkpoint_now(state: State, *, now: datetime) -> dict[str, Any]:
    """Sign a checkpoint of the log as it stands (or return the one already at its size)."""
    return create_checkpoint(state.engine, state.signing_key, now=now, tree=state.log_tree).to_json()

"""The export manifest: what was exported, by whom, under which rules, and the proof material that verifies it.

The manifest is signed (manifest.sig) with the service's checkpoint key over a prefix that no checkpoint
statement can start with, so a derived file (clocks, contacts, report) cannot be changed and re-hashed
unnoticed either. The verifier (audit/export/verifier.py, shipped as verify.py) reads exactly these fields.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from datetime import datetime
from importlib import metadata
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from audit.canonical import canonical_bytes
from audit.checkpoints import Checkpoint
from audit.export.verifier import FORMAT, MANIFEST_SIGNING_PREFIX
from audit.reads import recorded_at_text
from audit.signing import key_id, public_key_pem, sign
from audit.store import Actor
from compliance.rulebook import RULES

PACKAGE = "lossmit-compliance"


def generator_version() -> str:
    """The installed version of this service (what produced the export)."""
    try:
        return metadata.version(PACKAGE)
    except metadata.PackageNotFoundError:
        return "unknown"


def rulebook_version() -> str:
    """"sha256:<hex>" of the canonical JSON of every rule row: any change to a rule changes it."""
    return "sha256:" + hashlib.sha256(canonical_bytes([rule.to_json() for rule in RULES])).hexdigest()


def export_time(now: datetime) -> str:
    """The export time as fixed-width UTC text (the one field that differs between two exports of a case)."""
    return recorded_at_text(now)


def build_manifest(
    *, kind: str, scope: Mapping[str, Any], now: datetime, actor: Actor, checkpoint: Checkpoint,
    key: Ed25519PrivateKey, files: Mapping[str, Any], events: Mapping[str, Any], context: Mapping[str, Any],
) -> dict[str, Any]:
    """The manifest object; `context` adds the kind-specific fields (calendar, proofs, redaction, ...)."""
    return {
        "format": FORMAT, "kind": kind, "scope": dict(scope),
        "generator": {"name": PACKAGE, "version": generator_version()}, "rulebook_version": rulebook_version(),
        "exported_at": export_time(now), "requested_by": {"id": actor.id, "role": actor.role},
        "checkpoint": checkpoint.to_json(), "public_key_pem": public_key_pem(key), "files": dict(files),
        "events": dict(events), **context,
    }


def manifest_bytes(manifest: Mapping[str, Any]) -> bytes:
    """manifest.json as written: sorted keys, two-space indent, UTF-8, final newline (readable and stable)."""
    return (json.dumps(manifest, sort_keys=True, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def manifest_signature(key: Ed25519PrivateKey, manifest: bytes) -> bytes:
    """manifest.sig: the key id and the Ed25519 signature of the prefix + the exact manifest.json bytes."""
    signed = {"key_id": key_id(key), "signature": sign(key, MANIFEST_SIGNING_PREFIX + manifest),
              "signed": "manifest.json, prefixed with " + json.dumps(MANIFEST_SIGNING_PREFIX.decode("ascii"))}
    return (json.dumps(signed, sort_keys=True, indent=2) + "\n").encode("utf-8")

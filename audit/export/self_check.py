"""The verification summary an export states about itself, computed with the shipped verifier's own code."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from audit.checkpoints import Checkpoint, InclusionProof
from audit.export import verifier
from audit.signing import key_id, public_key_pem


def self_check(
    lines: Sequence[Mapping[str, Any]], proofs: Sequence[InclusionProof], checkpoint: Checkpoint,
    key: Ed25519PrivateKey,
) -> list[str]:
    """Plain sentences: hashes recomputed, inclusion proven, checkpoint signature valid (or what failed)."""
    by_position = {proof.position: proof for proof in proofs}
    bad_hash = [dict(line) for line in lines if verifier.event_hash(line["prev_hash"], dict(line)) != line["hash"]]
    root, size = bytes.fromhex(checkpoint.root_hash), checkpoint.tree_size
    unproven = [
        line for line in lines
        if line["position"] not in by_position or not verifier.verify_inclusion(
            verifier.leaf_hash(line["hash"]), line["position"] - 1, size,
            [bytes.fromhex(node) for node in by_position[line["position"]].audit_path], root)
    ]
    pem = public_key_pem(key)
    signed = verifier.signature_valid(pem, checkpoint.message(), checkpoint.signature)
    return [
        f"Signed checkpoint: the log's first {size} events, Merkle root {checkpoint.root_hash}, signed "
        f"{checkpoint.created_at} by key id {key_id(key)} ({'signature valid' if signed else 'SIGNATURE INVALID'}).",
        f"{len(lines) - len(bad_hash)} of {len(lines)} events hash to their recorded hash"
        + (f"; NOT: versions {', '.join(str(line['version']) for line in bad_hash)}." if bad_hash else "."),
        f"{len(lines) - len(unproven)} of {len(lines)} events are proven included in the signed checkpoint"
        + (f"; NOT: versions {', '.join(str(line['version']) for line in unproven)}." if unproven else "."),
        "Check it yourself, offline: python verify.py <this bundle> (standard library; signatures need the "
        "'cryptography' package). Compare the key id with the one the servicer publishes.",
    ]

"""The Ed25519 checkpoint-signing key: created on first run, kept private (0600), public half exportable."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey


def load_or_create_key(path: Path) -> Ed25519PrivateKey:
    """The private key at `path` (PEM, PKCS#8), generated and written with mode 0600 when absent."""
    path = Path(path)
    if path.exists():
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
        if not isinstance(key, Ed25519PrivateKey):
            raise ValueError(f"{path} does not hold an Ed25519 private key")
        return key
    pem = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    _publish_once(path, pem)
    return load_or_create_key(path)  # the key that won, should another process have created one meanwhile


def _publish_once(path: Path, pem: bytes) -> None:
    """Write `pem` to `path` atomically with mode 0600, unless a key is already there."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(pem)
            handle.flush()
            os.fsync(handle.fileno())
        # link() fails when the name exists: of two processes starting at once, one key wins, whole.
        os.link(temporary, path)
    except FileExistsError:
        pass
    finally:
        temporary.unlink(missing_ok=True)


def public_key_pem(key: Ed25519PrivateKey | Ed25519PublicKey) -> str:
    """The public key as PEM (SubjectPublicKeyInfo) text, for examiners and exports."""
    public = key.public_key() if isinstance(key, Ed25519PrivateKey) else key
    return public.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode("ascii")


def _load_public(public_key: Ed25519PublicKey | str | bytes) -> Ed25519PublicKey:
    if isinstance(public_key, Ed25519PublicKey):
        return public_key
    data = public_key.encode("ascii") if isinstance(public_key, str) else public_key
    loaded = serialization.load_pem_public_key(data)
    if not isinstance(loaded, Ed25519PublicKey):
        raise ValueError("not an Ed25519 public key")
    return loaded


def key_id(public_key: Ed25519PublicKey | Ed25519PrivateKey | str) -> str:
    """Key id: hex of the first 16 bytes of SHA-256 over the raw 32-byte public key."""
    if isinstance(public_key, Ed25519PrivateKey):
        public_key = public_key.public_key()
    raw = _load_public(public_key).public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).digest()[:16].hex()


def sign(key: Ed25519PrivateKey, message: bytes) -> str:
    """Ed25519 signature (hex) of `message`."""
    return key.sign(message).hex()


def verify_signature(public_key_pem: str | bytes, message: bytes, signature_hex: str) -> bool:
    """True when `signature_hex` is a valid Ed25519 signature of `message` by that public key."""
    try:
        _load_public(public_key_pem).verify(bytes.fromhex(signature_hex), message)
    except (InvalidSignature, ValueError):
        return False
    return True

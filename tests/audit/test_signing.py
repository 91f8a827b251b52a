"""The checkpoint-signing key: created once with mode 0600, stable across loads, signatures verify."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from audit import signing


def test_key_is_created_on_first_run_private_and_reloaded_unchanged(tmp_path: Path) -> None:
    path = tmp_path / "keys" / "signing-key.pem"
    key = signing.load_or_create_key(path)
    assert isinstance(key, Ed25519PrivateKey)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert path.read_text().startswith("-----BEGIN PRIVATE KEY-----")
    again = signing.load_or_create_key(path)
    assert signing.public_key_pem(again) == signing.public_key_pem(key)
    assert [p.name for p in path.parent.iterdir()] == ["signing-key.pem"]  # no temporary file left behind


def test_public_key_pem_and_key_id(tmp_path: Path) -> None:
    key = signing.load_or_create_key(tmp_path / "k.pem")
    pem = signing.public_key_pem(key)
    assert pem.startswith("-----BEGIN PUBLIC KEY-----")
    kid = signing.key_id(key.public_key())
    assert len(kid) == 32 and int(kid, 16) >= 0
    assert signing.key_id(pem) == kid == signing.key_id(key)
    other = signing.load_or_create_key(tmp_path / "other.pem")
    assert signing.key_id(other) != kid


def test_signature_verifies_and_fails_on_any_change(tmp_path: Path) -> None:
    key = signing.load_or_create_key(tmp_path / "k.pem")
    other = signing.load_or_create_key(tmp_path / "other.pem")
    pem = signing.public_key_pem(key)
    signature = signing.sign(key, b"statement")
    assert len(signature) == 128
    assert signing.verify_signature(pem, b"statement", signature)
    assert not signing.verify_signature(pem, b"statemenT", signature)
    assert not signing.verify_signature(signing.public_key_pem(other), b"statement", signature)
    flipped = ("0" if signature[0] != "0" else "1") + signature[1:]
    assert not signing.verify_signature(pem, b"statement", flipped)
    assert not signing.verify_signature(pem, b"statement", "not hex")


def test_a_file_holding_another_kind_of_key_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "ec.pem"
    path.write_bytes(
        ec.generate_private_key(ec.SECP256R1()).private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    with pytest.raises(ValueError, match="Ed25519"):
        signing.load_or_create_key(path)

"""Webhook signatures: a receiver accepts our requests and refuses altered, stale or unsigned ones."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from api.notify import SignatureRejected, signature_headers, verify_signature
from api.notify.signature import signature

SECRET = "s3cret-s3cret-s3cret"
SENT = datetime(2026, 7, 10, 15, 0, tzinfo=UTC)
BODY = b'{"alert_id":"al-1","level":"breached"}'


def test_a_fresh_request_verifies() -> None:
    headers = signature_headers(SECRET, BODY, now=SENT)
    verify_signature(SECRET, BODY, headers=headers, now=SENT + timedelta(seconds=30))


def test_header_names_are_case_insensitive() -> None:
    headers = {k.lower(): v for k, v in signature_headers(SECRET, BODY, now=SENT).items()}
    verify_signature(SECRET, BODY, headers=headers, now=SENT)


def test_signature_is_hmac_sha256_over_timestamp_dot_body() -> None:
    # Known answer from OpenSSL:
    #   printf '1783695600.{"alert_id":"al-1","level":"breached"}' | openssl dgst -sha256 -hmac 's3cret-s3cret-s3cret'
    assert signature_headers(SECRET, BODY, now=SENT) == {
        "X-Signature": "sha256=cd387b45930b22180d6619767d65da024805d9877d27dccfd8384c2dd2360fd1",
        "X-Signature-Timestamp": "1783695600",
    }


def test_tampered_body_is_rejected() -> None:
    headers = signature_headers(SECRET, BODY, now=SENT)
    with pytest.raises(SignatureRejected, match="mismatch"):
        verify_signature(SECRET, BODY.replace(b"breached", b"approaching"), headers=headers, now=SENT)


def test_wrong_secret_is_rejected() -> None:
    headers = signature_headers("another-secret-entirely", BODY, now=SENT)
    with pytest.raises(SignatureRejected, match="mismatch"):
        verify_signature(SECRET, BODY, headers=headers, now=SENT)


def test_stale_timestamp_is_rejected_as_a_replay() -> None:
    headers = signature_headers(SECRET, BODY, now=SENT)
    with pytest.raises(SignatureRejected, match="tolerance"):
        verify_signature(SECRET, BODY, headers=headers, now=SENT + timedelta(minutes=5, seconds=1))


def test_timestamp_far_in_the_future_is_rejected() -> None:
    headers = signature_headers(SECRET, BODY, now=SENT + timedelta(hours=1))
    with pytest.raises(SignatureRejected, match="tolerance"):
        verify_signature(SECRET, BODY, headers=headers, now=SENT)


def test_re_dating_an_old_request_breaks_the_signature() -> None:
    old = signature_headers(SECRET, BODY, now=SENT)
    redated = {**old, "X-Signature-Timestamp": str(int(SENT.timestamp()) + 600)}
    with pytest.raises(SignatureRejected, match="mismatch"):
        verify_signature(SECRET, BODY, headers=redated, now=SENT + timedelta(seconds=600))


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"X-Signature": "sha256=00"},
        {"X-Signature-Timestamp": "1"},
        {"X-Signature": "x", "X-Signature-Timestamp": "soon"},
    ],
)
def test_missing_or_malformed_headers_are_rejected(headers: dict[str, str]) -> None:
    with pytest.raises(SignatureRejected):
        verify_signature(SECRET, BODY, headers=headers, now=SENT)


def test_bytes_and_text_secrets_sign_alike() -> None:
    assert signature(SECRET, BODY, timestamp=1) == signature(SECRET.encode(), BODY, timestamp=1)

"""Webhook signatures: HMAC-SHA256 over "<unix timestamp>." + body, so receivers can refuse replays."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from datetime import datetime, timedelta

SIGNATURE_HEADER = "X-Signature"
TIMESTAMP_HEADER = "X-Signature-Timestamp"
SCHEME = "sha256="
DEFAULT_TOLERANCE = timedelta(minutes=5)


class SignatureRejected(Exception):  # noqa: N818 - a fact, like the other domain errors
    """The request is not from us, was altered, or is too old (or too far in the future) to accept."""


def signature(secret: str | bytes, body: bytes, *, timestamp: int) -> str:
    """The X-Signature value for `body` sent at `timestamp` (seconds since the epoch)."""
    key = secret.encode() if isinstance(secret, str) else secret
    digest = hmac.new(key, f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return SCHEME + digest


def signature_headers(secret: str | bytes, body: bytes, *, now: datetime) -> dict[str, str]:
    """The two headers a signed request carries."""
    timestamp = int(now.timestamp())
    return {
        SIGNATURE_HEADER: signature(secret, body, timestamp=timestamp),
        TIMESTAMP_HEADER: str(timestamp),
    }


def verify_signature(
    secret: str | bytes,
    body: bytes,
    *,
    headers: Mapping[str, str],
    now: datetime,
    tolerance: timedelta = DEFAULT_TOLERANCE,
) -> None:
    """Accept a request signed with `secret` within `tolerance` of `now`, or raise SignatureRejected."""
    lowered = {key.lower(): value for key, value in headers.items()}
    given = lowered.get(SIGNATURE_HEADER.lower())
    stamp = lowered.get(TIMESTAMP_HEADER.lower())
    if not given or not stamp:
        raise SignatureRejected("missing signature headers")
    try:
        timestamp = int(stamp)
    except ValueError:
        raise SignatureRejected("malformed timestamp") from None
    # Replay protection: the timestamp is inside the MAC, so an old request cannot be re-dated.
    if abs(now.timestamp() - timestamp) > tolerance.total_seconds():
        raise SignatureRejected("timestamp outside the tolerance")
    if not hmac.compare_digest(given.encode(), signature(secret, body, timestamp=timestamp).encode()):
        raise SignatureRejected("signature mismatch")

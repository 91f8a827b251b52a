"""Webhook channel: a signed JSON POST; 5xx, 408, 429 and network errors retry, other 4xx do not."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import UTC, datetime

import httpx

from api.notify.channel import DeliveryFailed
from api.notify.message import AlertMessage
from api.notify.signature import signature_headers

DEFAULT_TIMEOUT = httpx.Timeout(5.0, connect=3.0)
# Statuses that say "try again later" although they are 4xx (RFC 9110 §15.5.9, RFC 6585 §4).
RETRYABLE_4XX = frozenset({408, 425, 429})


def webhook_name(url: str) -> str:
    """A stable channel name for a URL that does not reveal it (URLs often carry tokens)."""
    return "webhook-" + hashlib.sha256(url.encode()).hexdigest()[:8]


def _utc_now() -> datetime:
    return datetime.now(UTC)


class WebhookChannel:
    """POSTs the alert's JSON body to one URL with X-Signature / X-Signature-Timestamp headers."""

    def __init__(
        self,
        url: str,
        secret: str | bytes,
        *,
        name: str | None = None,
        timeout: httpx.Timeout | float = DEFAULT_TIMEOUT,
        clock: Callable[[], datetime] = _utc_now,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.name = name or webhook_name(url)
        self._url = url
        self._secret = secret
        self._clock = clock
        # follow_redirects stays off: a redirected signed POST means the configured URL is wrong.
        self._client = httpx.Client(timeout=timeout, transport=transport, follow_redirects=False)

    def send(self, alert: AlertMessage) -> None:
        """POST the alert once; raise DeliveryFailed on anything but a 2xx answer."""
        body = alert.to_body()
        headers = {
            "Content-Type": "application/json",
            "X-Alert-Id": alert.alert_id,  # receivers de-duplicate on it: delivery is at least once
            **signature_headers(self._secret, body, now=self._clock()),
        }
        try:
            response = self._client.post(self._url, content=body, headers=headers)
        except httpx.TimeoutException as exc:
            raise DeliveryFailed(f"timeout ({type(exc).__name__})", retryable=True) from None
        except httpx.TransportError as exc:
            # The exception text may repeat the URL; only its type goes to the delivery log.
            raise DeliveryFailed(f"connection failed ({type(exc).__name__})", retryable=True) from None
        _check_status(response.status_code)

    def close(self) -> None:
        """Release the pooled connections."""
        self._client.close()


def _check_status(status: int) -> None:
    if 200 <= status < 300:
        return
    retryable = status >= 500 or status in RETRYABLE_4XX
    raise DeliveryFailed(f"HTTP {status}", retryable=retryable)

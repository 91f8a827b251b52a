"""The Channel port every delivery adapter implements, and the one error it may raise."""

from __future__ import annotations

from typing import Protocol

from api.notify.message import AlertMessage


class DeliveryFailed(Exception):  # noqa: N818 - the name states the fact, as the domain errors do
    """A channel could not deliver; `retryable` says whether trying again later may succeed.

    The message must never carry secrets (webhook secret, SMTP password, URL tokens): it is stored in the
    delivery log.
    """

    def __init__(self, reason: str, *, retryable: bool) -> None:
        self.reason = reason
        self.retryable = retryable
        super().__init__(reason)


class Channel(Protocol):
    """A way to reach people: `name` is stable (it keys the delivery rows), `send` raises DeliveryFailed."""

    @property
    def name(self) -> str:
        """The stable channel name stored with every delivery ("log", "email", "webhook-1a2b3c4d")."""
        ...

    def send(self, alert: AlertMessage) -> None:
        """Deliver one alert or raise DeliveryFailed."""
        ...

"""Alert delivery at the edge: the message, its channels (webhook, e-mail, log) and the delivery engine."""

from __future__ import annotations

from datetime import timedelta

from api.notify.channel import Channel, DeliveryFailed
from api.notify.delivery import DeliveryResult, deliver, deliver_many, enqueue, hold, retry_due, send_held
from api.notify.log_channel import LogChannel
from api.notify.mail import EmailChannel
from api.notify.message import LEVELS, AlertMessage, Level, Route
from api.notify.policy import RetryPolicy
from api.notify.signature import SignatureRejected, signature_headers, verify_signature
from api.notify.webhook import WebhookChannel, webhook_name
from api.settings import Settings

__all__ = [
    "LEVELS",
    "AlertMessage",
    "Channel",
    "DeliveryFailed",
    "DeliveryResult",
    "EmailChannel",
    "Level",
    "LogChannel",
    "RetryPolicy",
    "Route",
    "SignatureRejected",
    "WebhookChannel",
    "channels_from_settings",
    "deliver",
    "deliver_many",
    "enqueue",
    "hold",
    "policy_from_settings",
    "retry_due",
    "send_held",
    "signature_headers",
    "verify_signature",
    "webhook_name",
]


def channels_from_settings(settings: Settings) -> list[Channel]:
    """The enabled channels, in the configured order; one webhook channel per URL."""
    channels: list[Channel] = []
    for kind in dict.fromkeys(settings.alert_channels):  # de-duplicated, order kept
        if kind == "log":
            channels.append(LogChannel())
        elif kind == "email":
            channels.append(_email(settings))
        else:
            channels.extend(_webhooks(settings))
    return channels


def policy_from_settings(settings: Settings) -> RetryPolicy:
    """The retry policy the settings describe."""
    return RetryPolicy(
        max_attempts=settings.delivery_max_attempts,
        base_delay=timedelta(seconds=settings.delivery_base_delay_seconds),
        factor=settings.delivery_backoff_factor,
        max_delay=timedelta(seconds=settings.delivery_max_delay_seconds),
        jitter=settings.delivery_jitter,
        seed=settings.delivery_jitter_seed,
        lease=timedelta(seconds=settings.delivery_lease_seconds),
    )


def _email(settings: Settings) -> EmailChannel:
    return EmailChannel(
        settings.smtp_host,
        settings.smtp_port,
        sender=settings.smtp_from,
        starttls=settings.smtp_starttls,
        username=settings.smtp_username,
        password=settings.smtp_password.get_secret_value() if settings.smtp_password else None,
        fallback_recipients=settings.alert_email_fallback,
        timeout=settings.smtp_timeout_seconds,
    )


def _webhooks(settings: Settings) -> list[Channel]:
    secret = settings.webhook_secret.get_secret_value() if settings.webhook_secret else ""
    return [
        WebhookChannel(url, secret, timeout=settings.webhook_timeout_seconds)
        for url in dict.fromkeys(settings.webhook_urls)
    ]

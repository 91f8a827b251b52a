"""Channels and retry policy built from Settings; misconfiguration fails at start-up."""

from __future__ import annotations

from datetime import timedelta

import pytest
from pydantic import ValidationError

from api.notify import (
    EmailChannel,
    LogChannel,
    RetryPolicy,
    WebhookChannel,
    channels_from_settings,
    policy_from_settings,
)
from api.notify.webhook import webhook_name
from api.settings import Settings

SECRET = "0123456789abcdef-secret"


def settings(**values: object) -> Settings:
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


def test_the_default_is_the_log_channel_only() -> None:
    assert [type(c) for c in channels_from_settings(settings())] == [LogChannel]


def test_all_channels_in_the_configured_order() -> None:
    built = channels_from_settings(
        settings(
            alert_channels=["webhook", "log", "email", "log"],
            webhook_urls=["https://a.example/hook", "https://b.example/hook"],
            webhook_secret=SECRET,
            smtp_host="smtp.example",
        )
    )
    assert [type(c) for c in built] == [WebhookChannel, WebhookChannel, LogChannel, EmailChannel]
    assert [c.name for c in built] == [
        webhook_name("https://a.example/hook"),
        webhook_name("https://b.example/hook"),
        "log",
        "email",
    ]


def test_lists_and_secrets_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COMPLIANCE_ALERT_CHANNELS", '["webhook"]')
    monkeypatch.setenv("COMPLIANCE_WEBHOOK_URLS", '["https://a.example/hook"]')
    monkeypatch.setenv("COMPLIANCE_WEBHOOK_SECRET", SECRET)
    monkeypatch.setenv("COMPLIANCE_SMTP_PASSWORD", "hunter2")
    loaded = settings()
    assert loaded.webhook_urls == ["https://a.example/hook"]
    assert SECRET not in repr(loaded) and "hunter2" not in repr(loaded)
    assert [c.name for c in channels_from_settings(loaded)] == [webhook_name("https://a.example/hook")]


@pytest.mark.parametrize(
    ("values", "complaint"),
    [
        ({"alert_channels": ["webhook"], "webhook_secret": SECRET}, "webhook_urls is empty"),
        ({"alert_channels": ["webhook"], "webhook_urls": ["https://a.example"]}, "webhook_secret"),
        (
            {"alert_channels": ["webhook"], "webhook_urls": ["https://a.example"], "webhook_secret": "short"},
            "webhook_secret",
        ),
        ({"alert_channels": ["email"]}, "smtp_host is empty"),
        ({"alert_channels": ["pager"]}, "alert_channels"),
        ({"delivery_jitter": 2}, "delivery_jitter"),
    ],
)
def test_misconfiguration_is_refused(values: dict[str, object], complaint: str) -> None:
    with pytest.raises(ValidationError, match=complaint):
        settings(**values)


def test_policy_from_settings() -> None:
    policy = policy_from_settings(
        settings(
            delivery_max_attempts=3,
            delivery_base_delay_seconds=10,
            delivery_backoff_factor=3,
            delivery_max_delay_seconds=60,
            delivery_jitter=0.25,
            delivery_jitter_seed=9,
            delivery_lease_seconds=120,
        )
    )
    assert policy == RetryPolicy(
        max_attempts=3,
        base_delay=timedelta(seconds=10),
        factor=3.0,
        max_delay=timedelta(seconds=60),
        jitter=0.25,
        seed=9,
        lease=timedelta(minutes=2),
    )
    assert policy_from_settings(settings()).schedule() == RetryPolicy().schedule()

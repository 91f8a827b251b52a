"""The monitoring options are fields of the one Settings object, read from COMPLIANCE_* like the others."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from pydantic import ValidationError

from api.alert_jobs import build_monitoring
from api.settings import Settings
from audit.database import make_engine


def test_monitoring_options_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in {
        "APPROACHING_LEADS": "[0, 5, 2, 2]",
        "ESCALATE_AFTER_HOURS": "6",
        "ALERT_FALLBACK_RECIPIENTS": '["desk"]',
        "ESCALATION_RECIPIENTS": '["officer", "cco"]',
        "DIGEST_HOUR": "6",
        "DIGEST_DAYS_AHEAD": "14",
        "DELIVERY_RETRY_INTERVAL_SECONDS": "15",
        "SCAN_BATCH_SIZE": "250",
    }.items():
        monkeypatch.setenv(f"COMPLIANCE_{name}", value)
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert settings.approaching_leads == [5, 2, 0]  # de-duplicated, most distant first
    assert (settings.escalate_after_hours, settings.digest_hour, settings.digest_days_ahead) == (6.0, 6, 14)
    assert (settings.delivery_retry_interval_seconds, settings.scan_batch_size) == (15, 250)
    assert (settings.alert_fallback_recipients, settings.escalation_recipients) == (["desk"], ["officer", "cco"])


def test_the_defaults() -> None:
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert (settings.approaching_leads, settings.escalate_after_hours, settings.digest_hour) == ([2, 0], 24.0, 7)
    assert (settings.alert_fallback_recipients, settings.escalation_recipients) == (
        ["compliance-desk"],
        ["compliance-officer"],
    )
    assert (settings.digest_days_ahead, settings.delivery_retry_interval_seconds) == (7, 30)
    assert settings.scan_batch_size == 1000


@pytest.mark.parametrize(
    ("values", "complaint"),
    [
        ({"approaching_leads": []}, "approaching_leads"),
        ({"approaching_leads": [-1]}, "approaching_leads"),
        ({"approaching_leads": [31]}, "approaching_leads"),
        ({"alert_fallback_recipients": []}, "at least one recipient"),
        ({"escalation_recipients": []}, "at least one recipient"),
        ({"digest_hour": 24}, "digest_hour"),
        ({"escalate_after_hours": 0}, "escalate_after_hours"),
        ({"scan_batch_size": 0}, "scan_batch_size"),
    ],
)
def test_misconfigured_monitoring_is_refused_at_start_up(values: dict[str, object], complaint: str) -> None:
    with pytest.raises(ValidationError, match=complaint):
        Settings(_env_file=None, **values)  # type: ignore[arg-type]


def test_the_monitoring_context_follows_the_settings(tmp_path: Path) -> None:
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None,
        data_dir=tmp_path,
        approaching_leads=[3],
        escalate_after_hours=2,
        alert_fallback_recipients=["desk"],
        escalation_recipients=["officer"],
        scan_batch_size=10,
        digest_days_ahead=3,
    )
    engine = make_engine(f"sqlite:///{tmp_path / 'm.db'}")
    monitoring = build_monitoring(engine, settings, channels=[])
    policy = monitoring.policy
    assert (policy.leads, policy.escalate_after, policy.batch_size) == ((3,), timedelta(hours=2), 10)
    assert (policy.fallback_recipients, policy.escalation_recipients) == (("desk",), ("officer",))
    assert monitoring.digest_days == 3
    engine.dispose()

"""The monitoring fields of Settings: how the scans alert, route, escalate and digest (COMPLIANCE_* variables).

Settings inherits them (one settings object, one environment); they live here so that monitoring options
change in one place without touching the shared settings module.
"""

from __future__ import annotations

from pydantic import BaseModel, Field, field_validator


class MonitoringOptions(BaseModel):
    """How the monitoring scans alert, route, escalate and digest; a base class of api.settings.Settings."""

    # Issue 4: approaching reminders 2 business days before the due date and on it (0); JSON list in the env.
    approaching_leads: list[int] = Field(default_factory=lambda: [2, 0])
    escalate_after_hours: float = Field(default=24.0, gt=0)
    # Unassigned cases (no case_assigned yet) are routed here; escalations go to the second list.
    alert_fallback_recipients: list[str] = Field(default_factory=lambda: ["compliance-desk"])
    escalation_recipients: list[str] = Field(default_factory=lambda: ["compliance-officer"])
    # The daily digest per manager, at this hour in the servicer's zone (Settings.default_timezone).
    digest_hour: int = Field(default=7, ge=0, le=23)
    digest_days_ahead: int = Field(default=7, ge=1, le=60)
    delivery_retry_interval_seconds: int = Field(default=30, ge=1)
    # Breaches raised per transaction. Each page holds the log head (appends wait) for its duration; fewer,
    # larger pages mean fewer durable commits and less WAL rewriting of the same pages on SQLite.
    scan_batch_size: int = Field(default=1000, ge=1, le=10_000)

    @field_validator("approaching_leads")
    @classmethod
    def _leads(cls, value: list[int]) -> list[int]:
        if not value or min(value) < 0 or max(value) > 30:
            raise ValueError("approaching_leads must be 1 or more business-day counts between 0 and 30")
        return sorted(set(value), reverse=True)

    @field_validator("alert_fallback_recipients", "escalation_recipients")
    @classmethod
    def _someone(cls, value: list[str]) -> list[str]:
        if not value:
            raise ValueError("at least one recipient is required")
        return value

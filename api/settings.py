"""The one settings object, read from COMPLIANCE_* environment variables and an optional .env file."""

from __future__ import annotations

from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from api.monitoring_settings import MonitoringOptions
from compliance.evaluation import Readings

CALENDAR_POLICIES = ("us-6103a", "us-6103a-observed")
AlertChannelName = Literal["log", "email", "webhook"]
MIN_WEBHOOK_SECRET = 16


class Settings(MonitoringOptions, BaseSettings):
    """Runtime configuration; built once at start-up and passed down explicitly (monitoring fields inherited)."""

    model_config = SettingsConfigDict(env_prefix="COMPLIANCE_", env_file=".env", extra="ignore")

    database_url: str = Field(default="", description="Any SQLAlchemy URL; empty means SQLite under data_dir")
    data_dir: Path = Path("var")
    default_timezone: str = "America/New_York"
    calendar_policy: str = "us-6103a"
    # Readings of unclear provisions (rulebook §9), each defaulting to the conservative one. 12 CFR 1006.14/1006.6
    # (Regulation F) bind FDCPA debt collectors only; "all_loans" also judges other servicers' contacts.
    regf_scope: Literal["debt_collector_only", "all_loans"] = "debt_collector_only"
    # 12 CFR 1024.39(a) is met by "live contact or good faith efforts"; "live_contact_only" refuses mere attempts.
    live_contact_satisfied_by: Literal["attempt_or_contact", "live_contact_only"] = "attempt_or_contact"
    signing_key_path: Path | None = None
    log_format: Literal["json", "console"] = "console"
    log_level: str = "INFO"
    # An occurred_at later than now + this skew is rejected (CONTRACT §1: "small clock-skew tolerance").
    max_clock_skew_seconds: int = 300
    max_payload_bytes: int = 64 * 1024
    checkpoint_every: int = 1000
    scheduler_enabled: bool = True
    scan_interval_seconds: int = 60

    # HTTP API (issue 5). A request body larger than this is refused with 413 before it is parsed.
    max_request_bytes: int = Field(default=1024 * 1024, ge=1024)
    # Per-token token bucket: sustained requests per second and burst size; 0 per second disables the limit.
    rate_limit_per_second: float = Field(default=100.0, ge=0)
    rate_limit_burst: int = Field(default=200, ge=1)
    # Share one durable commit among concurrent appends (audit.group_commit); off: one commit per request.
    group_commit: bool = True
    # Seconds a verified token is trusted without a query (api.token_cache; 0: look it up on every request).
    # Revocations through this process apply at once; one made by another process within this many seconds.
    token_cache_seconds: float = Field(default=5.0, ge=0)

    # Alert delivery (issue 4). Lists are JSON in the environment, e.g.
    # COMPLIANCE_ALERT_CHANNELS='["log", "webhook"]', COMPLIANCE_WEBHOOK_URLS='["https://hooks.example/a"]'.
    alert_channels: list[AlertChannelName] = Field(default_factory=lambda: ["log"])
    webhook_urls: list[str] = Field(default_factory=list)
    webhook_secret: SecretStr | None = None
    webhook_timeout_seconds: float = Field(default=5.0, gt=0)
    smtp_host: str = ""
    smtp_port: int = Field(default=25, ge=1, le=65535)
    smtp_from: str = "compliance-alerts@localhost"
    smtp_starttls: bool = False
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_timeout_seconds: float = Field(default=10.0, gt=0)
    # Where e-mail goes when an alert's recipients hold no e-mail address (only manager/team ids).
    alert_email_fallback: list[str] = Field(default_factory=list)
    delivery_max_attempts: int = Field(default=5, ge=1)
    delivery_base_delay_seconds: float = Field(default=30.0, gt=0)
    delivery_backoff_factor: float = Field(default=2.0, ge=1)
    delivery_max_delay_seconds: float = Field(default=3600.0, gt=0)
    delivery_jitter: float = Field(default=0.0, ge=0, le=1)
    delivery_jitter_seed: int | None = None
    # A claimed delivery is hidden from other scheduler processes this long while its send is in flight.
    delivery_lease_seconds: float = Field(default=300.0, gt=0)

    @field_validator("calendar_policy")
    @classmethod
    def _known_policy(cls, value: str) -> str:
        if value not in CALENDAR_POLICIES:
            raise ValueError(f"unknown calendar policy {value!r}; expected one of {CALENDAR_POLICIES}")
        return value

    @field_validator("default_timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown IANA time zone {value!r}") from exc
        return value

    @model_validator(mode="after")
    def _channels_configured(self) -> Settings:
        if "webhook" in self.alert_channels:
            if not self.webhook_urls:
                raise ValueError("alert channel 'webhook' is enabled but webhook_urls is empty")
            secret = self.webhook_secret.get_secret_value() if self.webhook_secret else ""
            if len(secret) < MIN_WEBHOOK_SECRET:
                raise ValueError(f"webhook_secret must be at least {MIN_WEBHOOK_SECRET} characters")
        if "email" in self.alert_channels and not self.smtp_host:
            raise ValueError("alert channel 'email' is enabled but smtp_host is empty")
        return self

    @property
    def readings(self) -> Readings:
        """The configured readings, as the rule engine takes them."""
        return Readings(regf_scope=self.regf_scope, live_contact_satisfied_by=self.live_contact_satisfied_by)

    @property
    def effective_database_url(self) -> str:
        """The configured URL, or the embedded SQLite file under data_dir."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'compliance.db').as_posix()}"

    @property
    def effective_signing_key_path(self) -> Path:
        """Where the Ed25519 checkpoint-signing key lives (generated on first run)."""
        return self.signing_key_path or self.data_dir / "signing-key.pem"

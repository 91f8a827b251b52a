"""The one settings object, read from COMPLIANCE_* environment variables and an optional .env file."""

from __future__ import annotations

from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

CALENDAR_POLICIES = ("us-6103a", "us-6103a-observed")


class Settings(BaseSettings):
    """Runtime configuration; built once at start-up and passed down explicitly."""

    model_config = SettingsConfigDict(env_prefix="COMPLIANCE_", env_file=".env", extra="ignore")

    database_url: str = Field(default="", description="Any SQLAlchemy URL; empty means SQLite under data_dir")
    data_dir: Path = Path("var")
    default_timezone: str = "America/New_York"
    calendar_policy: str = "us-6103a"
    signing_key_path: Path | None = None
    log_format: Literal["json", "console"] = "console"
    log_level: str = "INFO"
    # An occurred_at later than now + this skew is rejected (CONTRACT §1: "small clock-skew tolerance").
    max_clock_skew_seconds: int = 300
    max_payload_bytes: int = 64 * 1024
    checkpoint_every: int = 1000
    scheduler_enabled: bool = True
    scan_interval_seconds: int = 60

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

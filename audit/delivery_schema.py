"""Table definitions (SQLAlchemy Core) of alert deliveries: one row per alert and channel, plus its attempt log."""

from __future__ import annotations

from sqlalchemy import BigInteger, CheckConstraint, Column, Index, Integer, String, Table, Text

from audit.schema import metadata

# Times are UTC text "YYYY-MM-DDTHH:MM:SS.ffffffZ" as in the events table: text order is time order on
# SQLite and PostgreSQL alike.
TIME = 27

# The current state of delivering one alert through one channel. The primary key is the UNIQUE
# (alert_id, channel) that makes raising the same alert twice a no-op.
alert_deliveries = Table(
    "alert_deliveries",
    metadata,
    Column("alert_id", String(200), primary_key=True),
    Column("channel", String(64), primary_key=True),
    Column("state", String(16), nullable=False),  # pending | delivered | dead_letter
    Column("attempts", Integer, nullable=False),  # attempts started (claims), including one in flight
    Column("next_attempt_at", String(TIME), nullable=True),  # NULL once delivered or dead-lettered
    Column("last_error", Text, nullable=True),
    # The exact JSON body sent (no borrower PII): a retry sends the same bytes the first attempt did.
    Column("message", Text, nullable=False),
    # Set while one process holds the delivery (its lease ends at next_attempt_at).
    Column("claim_token", String(36), nullable=True),
    Column("created_at", String(TIME), nullable=False),
    Column("updated_at", String(TIME), nullable=False),
    CheckConstraint("state IN ('pending', 'delivered', 'dead_letter')", name="ck_alert_deliveries_state"),
    Index("ix_alert_deliveries_due", "state", "next_attempt_at"),
)

# Append-only: one row per finished attempt (or per attempt whose process vanished: lease_expired).
delivery_attempts = Table(
    "delivery_attempts",
    metadata,
    Column("id", BigInteger().with_variant(Integer(), "sqlite"), primary_key=True, autoincrement=True),
    Column("alert_id", String(200), nullable=False),
    Column("channel", String(64), nullable=False),
    Column("attempt", Integer, nullable=False),
    Column("outcome", String(16), nullable=False),  # delivered | retry_scheduled | dead_letter | lease_expired
    Column("error", Text, nullable=True),
    Column("at", String(TIME), nullable=False),
    Index("ix_delivery_attempts_alert", "alert_id", "channel"),
)

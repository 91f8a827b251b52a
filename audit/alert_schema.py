"""Table definition (SQLAlchemy Core) of monitoring alerts: one row per (clock, level, due date, lead)."""

from __future__ import annotations

from sqlalchemy import CheckConstraint, Column, Date, Index, Integer, String, Table, Text, UniqueConstraint

from audit.schema import metadata

TIME = 27  # UTC text "YYYY-MM-DDTHH:MM:SS.ffffffZ", as in the events table: text order is time order

# Alerts are operational state, not a projection: they record what the service raised and when, so a
# projection rebuild leaves them alone. The unique key makes raising the same alert twice a no-op even
# when several scheduler processes race (INSERT ... ON CONFLICT DO NOTHING).
alerts = Table(
    "alerts",
    metadata,
    Column("alert_id", String(36), primary_key=True),
    Column("clock_id", String(200), nullable=False),
    Column("case_id", String(200), nullable=False),
    Column("rule", String(64), nullable=False),
    Column("level", String(16), nullable=False),  # approaching | breached | escalated
    # Business days before the due date for an approaching reminder (2, then 0 on the due date); 0 otherwise.
    Column("lead_days", Integer, nullable=False),
    Column("due", Date, nullable=False),
    Column("raised_at", String(TIME), nullable=False),
    Column("manager_id", String(200), nullable=True),
    Column("team", String(200), nullable=True),
    Column("recipients", Text, nullable=False),  # JSON list of recipient ids
    Column("state", String(16), nullable=False),  # open | acknowledged | resolved | escalated
    Column("acknowledged_by", String(200), nullable=True),
    Column("acknowledged_at", String(TIME), nullable=True),
    Column("resolved_at", String(TIME), nullable=True),
    Column("resolved_reason", String(32), nullable=True),
    Column("escalated_at", String(TIME), nullable=True),
    UniqueConstraint("clock_id", "level", "due", "lead_days", name="uq_alerts_clock_level_due"),
    CheckConstraint("level IN ('approaching', 'breached', 'escalated')", name="ck_alerts_level"),
    CheckConstraint("state IN ('open', 'acknowledged', 'resolved', 'escalated')", name="ck_alerts_state"),
    # Escalation and resolution passes ("live alerts of a level, oldest first"), and the list filters.
    Index("ix_alerts_state", "state", "level", "raised_at"),
    Index("ix_alerts_manager", "manager_id", "state"),
    Index("ix_alerts_team", "team", "state"),
    Index("ix_alerts_case", "case_id"),
)

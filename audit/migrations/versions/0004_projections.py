"""Read models (case_summary, clock_rows) and monitoring alerts (alerts); see docs/monitoring.md."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_projections"
down_revision = "0003_alert_delivery"
branch_labels = None
depends_on = None

TIME = 27
Position = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
BREACH_PENDING = "breach_at IS NOT NULL"


def upgrade() -> None:
    """Create the tables of audit/projection_schema.py and audit/alert_schema.py as of this revision."""
    _create_case_summary()
    _create_clock_rows()
    _create_alerts()


def downgrade() -> None:
    """Drop the three tables (projections are rebuilt from the log; alerts are operational state)."""
    op.drop_table("alerts")
    op.drop_table("clock_rows")
    op.drop_table("case_summary")


def _create_case_summary() -> None:
    op.create_table(
        "case_summary",
        sa.Column("case_id", sa.String(200), primary_key=True),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("status", sa.String(8), nullable=False),
        sa.Column("closed_on", sa.Date, nullable=True),
        sa.Column("property_state", sa.String(4), nullable=False),
        sa.Column("timezone", sa.String(64), nullable=False),
        sa.Column("calendar", sa.String(32), nullable=False),
        sa.Column("oldest_unpaid_due", sa.Date, nullable=True),
        sa.Column("unpaid_installments", sa.Integer, nullable=False),
        sa.Column("team", sa.String(200), nullable=True),
        sa.Column("staff_id", sa.String(200), nullable=True),
        sa.Column("manager_id", sa.String(200), nullable=True),
        sa.Column("sale_date", sa.Date, nullable=True),
        sa.Column("open_application_id", sa.String(200), nullable=True),
        sa.Column("last_position", Position, nullable=False),
        sa.Column("updated_at", sa.String(TIME), nullable=False),
        sa.Column("projection_error", sa.Text, nullable=True),
    )
    op.create_index("ix_case_summary_team", "case_summary", ["team", "status"])
    op.create_index("ix_case_summary_manager", "case_summary", ["manager_id", "status"])


def _create_clock_rows() -> None:
    op.create_table(
        "clock_rows",
        sa.Column("clock_id", sa.String(200), primary_key=True),
        sa.Column("case_id", sa.String(200), nullable=False),
        sa.Column("rule", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("trigger_event_id", sa.String(200), nullable=False),
        sa.Column("trigger_type", sa.String(64), nullable=False),
        sa.Column("trigger_on", sa.Date, nullable=False),
        sa.Column("due", sa.Date, nullable=True),
        sa.Column("closes", sa.Date, nullable=True),
        sa.Column("not_before", sa.Date, nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("met_by", sa.String(200), nullable=True),
        sa.Column("met_on", sa.Date, nullable=True),
        sa.Column("calendar", sa.String(32), nullable=False),
        sa.Column("timezone", sa.String(64), nullable=False),
        sa.Column("team", sa.String(200), nullable=True),
        sa.Column("manager_id", sa.String(200), nullable=True),
        sa.Column("breach_recorded", sa.Boolean, nullable=False),
        sa.Column("breach_at", sa.String(TIME), nullable=True),
    )
    op.create_index("ix_clock_rows_status_due", "clock_rows", ["status", "due"])
    op.create_index("ix_clock_rows_team", "clock_rows", ["team", "due"])
    op.create_index("ix_clock_rows_manager", "clock_rows", ["manager_id", "due"])
    op.create_index("ix_clock_rows_rule", "clock_rows", ["rule", "due"])
    op.create_index("ix_clock_rows_case", "clock_rows", ["case_id"])
    op.create_index(
        "ix_clock_rows_breach_at", "clock_rows", ["breach_at", "clock_id"],
        sqlite_where=sa.text(BREACH_PENDING), postgresql_where=sa.text(BREACH_PENDING),
    )


def _create_alerts() -> None:
    op.create_table(
        "alerts",
        sa.Column("alert_id", sa.String(36), primary_key=True),
        sa.Column("clock_id", sa.String(200), nullable=False),
        sa.Column("case_id", sa.String(200), nullable=False),
        sa.Column("rule", sa.String(64), nullable=False),
        sa.Column("level", sa.String(16), nullable=False),
        sa.Column("lead_days", sa.Integer, nullable=False),
        sa.Column("due", sa.Date, nullable=False),
        sa.Column("raised_at", sa.String(TIME), nullable=False),
        sa.Column("manager_id", sa.String(200), nullable=True),
        sa.Column("team", sa.String(200), nullable=True),
        sa.Column("recipients", sa.Text, nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("acknowledged_by", sa.String(200), nullable=True),
        sa.Column("acknowledged_at", sa.String(TIME), nullable=True),
        sa.Column("resolved_at", sa.String(TIME), nullable=True),
        sa.Column("resolved_reason", sa.String(32), nullable=True),
        sa.Column("escalated_at", sa.String(TIME), nullable=True),
        sa.UniqueConstraint("clock_id", "level", "due", "lead_days", name="uq_alerts_clock_level_due"),
        sa.CheckConstraint("level IN ('approaching', 'breached', 'escalated')", name="ck_alerts_level"),
        sa.CheckConstraint("state IN ('open', 'acknowledged', 'resolved', 'escalated')", name="ck_alerts_state"),
    )
    op.create_index("ix_alerts_state", "alerts", ["state", "level", "raised_at"])
    op.create_index("ix_alerts_manager", "alerts", ["manager_id", "state"])
    op.create_index("ix_alerts_team", "alerts", ["team", "state"])
    op.create_index("ix_alerts_case", "alerts", ["case_id"])

"""Alert delivery: one row per alert and channel (state, attempts, next try) and an append-only attempt log."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_alert_delivery"
down_revision = "0002_access_control"
branch_labels = None
depends_on = None

TIME = 27
AttemptId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    """Create the tables of audit/delivery_schema.py as of this revision; forbid edits of the attempt log."""
    op.create_table(
        "alert_deliveries",
        sa.Column("alert_id", sa.String(200), primary_key=True),
        sa.Column("channel", sa.String(64), primary_key=True),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("next_attempt_at", sa.String(TIME), nullable=True),
        sa.Column("last_error", sa.Text, nullable=True),
        sa.Column("message", sa.Text, nullable=False),
        sa.Column("claim_token", sa.String(36), nullable=True),
        sa.Column("created_at", sa.String(TIME), nullable=False),
        sa.Column("updated_at", sa.String(TIME), nullable=False),
        sa.CheckConstraint("state IN ('pending', 'delivered', 'dead_letter')", name="ck_alert_deliveries_state"),
    )
    # Serves the claim query "pending and due before T, oldest first".
    op.create_index("ix_alert_deliveries_due", "alert_deliveries", ["state", "next_attempt_at"])
    op.create_table(
        "delivery_attempts",
        sa.Column("id", AttemptId, primary_key=True, autoincrement=True),
        sa.Column("alert_id", sa.String(200), nullable=False),
        sa.Column("channel", sa.String(64), nullable=False),
        sa.Column("attempt", sa.Integer, nullable=False),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("error", sa.Text, nullable=True),
        sa.Column("at", sa.String(TIME), nullable=False),
    )
    op.create_index("ix_delivery_attempts_alert", "delivery_attempts", ["alert_id", "channel"])
    _append_only("delivery_attempts")


def downgrade() -> None:
    """Drop both tables (the delivery log is operational, not the audit record)."""
    op.drop_table("delivery_attempts")
    op.drop_table("alert_deliveries")


def _append_only(table: str) -> None:
    if op.get_bind().dialect.name == "postgresql":
        # audit_reject_change() is created by 0001_events.
        op.execute(
            f"CREATE TRIGGER {table}_no_update_delete BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION audit_reject_change()"
        )
        op.execute(
            f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION audit_reject_change()"
        )
        return
    for operation in ("UPDATE", "DELETE"):
        op.execute(
            f"CREATE TRIGGER {table}_no_{operation.lower()} BEFORE {operation} ON {table} "
            f"BEGIN SELECT RAISE(ABORT, '{table} is append-only: {operation} is not allowed'); END"
        )

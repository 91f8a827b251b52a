"""Table definitions (SQLAlchemy Core) of the read models derived from the log: case summaries and clock rows.

Both are projections: derived in the same transaction as each append (audit/projections.py), disposable,
and rebuilt from the log by `compliance projections rebuild`. Only dates and facts the events decide are
stored; whatever changes with time alone is evaluated by the reader at `now` (docs/monitoring.md).
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Boolean, Column, Date, Index, Integer, String, Table, Text, text

from audit.schema import metadata

TIME = 27  # UTC text "YYYY-MM-DDTHH:MM:SS.ffffffZ", as in the events table: text order is time order
Position = BigInteger().with_variant(Integer(), "sqlite")

# One row per case.
case_summary = Table(
    "case_summary",
    metadata,
    Column("case_id", String(200), primary_key=True),
    Column("version", Integer, nullable=False),
    Column("status", String(8), nullable=False),  # open | closed
    Column("closed_on", Date, nullable=True),
    Column("property_state", String(4), nullable=False),
    Column("timezone", String(64), nullable=False),
    Column("calendar", String(32), nullable=False),
    # 1024.31 delinquency: days delinquent = today - oldest unpaid due date, so only the date is stored.
    Column("oldest_unpaid_due", Date, nullable=True),
    Column("unpaid_installments", Integer, nullable=False),
    # The latest case_assigned: alerts are routed by it (issue 4).
    Column("team", String(200), nullable=True),
    Column("staff_id", String(200), nullable=True),
    Column("manager_id", String(200), nullable=True),
    Column("sale_date", Date, nullable=True),
    Column("open_application_id", String(200), nullable=True),
    Column("last_position", Position, nullable=False),
    Column("updated_at", String(TIME), nullable=False),  # recorded_at of the case's last event
    # Set when the rule engine failed on this case: its clock rows are then absent (logged, never silent).
    Column("projection_error", Text, nullable=True),
    Index("ix_case_summary_team", "team", "status"),
    Index("ix_case_summary_manager", "manager_id", "status"),
)

# One row per clock (CONTRACT §6), with the case's routing and time zone copied in for the scans.
clock_rows = Table(
    "clock_rows",
    metadata,
    Column("clock_id", String(200), primary_key=True),
    Column("case_id", String(200), nullable=False),
    Column("rule", String(64), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("trigger_event_id", String(200), nullable=False),
    Column("trigger_type", String(64), nullable=False),
    Column("trigger_on", Date, nullable=False),
    Column("due", Date, nullable=True),
    Column("closes", Date, nullable=True),
    Column("not_before", Date, nullable=True),
    # As the events decide it: "open" until an event settles it; readers compare the dates with now.
    Column("status", String(16), nullable=False),
    Column("met_by", String(200), nullable=True),
    Column("met_on", Date, nullable=True),
    Column("calendar", String(32), nullable=False),
    Column("timezone", String(64), nullable=False),
    Column("team", String(200), nullable=True),
    Column("manager_id", String(200), nullable=True),
    # The log holds a deadline_breached for (clock_id, due).
    Column("breach_recorded", Boolean, nullable=False),
    # When a breach is to be recorded: the start of due + 1 in the case's zone (UTC text); NULL once nothing is left.
    Column("breach_at", String(TIME), nullable=True),
    # "Open clocks due before T", and clocks by team, manager and rule in due order. Status is left out of
    # the last three on purpose: recording a breach changes it, and SQLite then rewrites only the indexes
    # that hold a changed column (the by-team reads filter the few statuses of one team's range).
    Index("ix_clock_rows_status_due", "status", "due"),
    Index("ix_clock_rows_team", "team", "due"),
    Index("ix_clock_rows_manager", "manager_id", "due"),
    Index("ix_clock_rows_rule", "rule", "due"),
    Index("ix_clock_rows_case", "case_id"),
    # The breach scan: only rows with a breach still to record are in this (partial) index.
    Index(
        "ix_clock_rows_breach_at", "breach_at", "clock_id",
        sqlite_where=text("breach_at IS NOT NULL"), postgresql_where=text("breach_at IS NOT NULL"),
    ),
)

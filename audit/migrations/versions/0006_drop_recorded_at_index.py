"""Drop ix_events_recorded_at: recorded_at never runs backwards along positions, so positions answer a time range."""

from __future__ import annotations

from alembic import op

revision = "0006_drop_recorded_at_index"
down_revision = "0005_case_opened_index"
branch_labels = None
depends_on = None

# Every index an append inserts into is one more page written and synced at each commit on SQLite, and more
# WAL and CPU on PostgreSQL (issue 2). The append path keeps recorded_at non-decreasing along positions (it
# takes the later of the clock and the head's time under the head lock) and `compliance verify` reports any
# event that breaks that order ("time_order"), so the events recorded in a time range are a range of positions,
# found by a binary search over the primary key (audit.reads.positions_recorded_in). The per-case bitemporal
# read ("as known at") goes through uq_events_case_version and filters a case's few events.


def upgrade() -> None:
    """Drop the index (an index only: no event is touched)."""
    op.drop_index("ix_events_recorded_at", table_name="events")


def downgrade() -> None:
    """Restore the index."""
    op.create_index("ix_events_recorded_at", "events", ["recorded_at"])

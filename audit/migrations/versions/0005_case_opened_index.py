"""SQLite: index only the case_opened events by type, so that other appends dirty one page fewer (issue 2)."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_case_opened_index"
down_revision = "0004_projections"
branch_labels = None
depends_on = None

# Each index an append inserts into is one more page written to the WAL and synced at every commit. Of the
# type index, the log's readers use only type = 'case_opened' (audit.reads.case_ids, audit.projections,
# audit.reports); SQLite uses a partial index for a bound parameter too (it re-plans on a new value). Other
# types are read by case (uq_events_case_version), or by the rare report that now scans the log instead.
# PostgreSQL writes WAL records, not pages, and may plan a prepared statement generically (where a partial
# index does not apply), so it keeps ix_events_type.
CASE_OPENED_INDEX = "ix_events_case_opened"


def upgrade() -> None:
    """On SQLite, replace ix_events_type by a partial index of the case_opened events in log order."""
    if op.get_bind().dialect.name != "sqlite":
        return
    op.drop_index("ix_events_type", table_name="events")
    op.create_index(CASE_OPENED_INDEX, "events", ["position"], sqlite_where=sa.text("type = 'case_opened'"))


def downgrade() -> None:
    """Restore ix_events_type (an index only: no event is touched)."""
    if op.get_bind().dialect.name != "sqlite":
        return
    op.drop_index(CASE_OPENED_INDEX, table_name="events")
    op.create_index("ix_events_type", "events", ["type"])

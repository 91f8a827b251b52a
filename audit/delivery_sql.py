"""The delivery log's per-outcome statements as SQL text per dialect, run on the driver (as audit.append_sql does).

Why not Connection.execute: recording a scan's outcomes is two executemany of one row per alert and channel,
and SQLAlchemy's per-row parameter processing cost about as much as SQLite's own work (bench/scan.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from audit.append_sql import write_each
from audit.database import DriverConnection

ATTEMPT_COLUMNS = ("alert_id", "channel", "attempt", "outcome", "error", "at")
# Built from the fixed names above only; values are always bound parameters.
_RECORD_ATTEMPT = f"INSERT INTO delivery_attempts ({', '.join(ATTEMPT_COLUMNS)}) VALUES ({', '.join('?' * 6)})"  # noqa: S608
# Only the claim holder may move the row (see audit.deliveries.record_outcomes).
_SETTLE = (
    "UPDATE alert_deliveries SET state = ?, next_attempt_at = ?, last_error = ?, claim_token = NULL, updated_at = ? "
    "WHERE alert_id = ? AND channel = ? AND claim_token = ?"
)
SETTLE_COLUMNS = ("state", "next_attempt_at", "last_error", "updated_at", "alert_id", "channel", "claim_token")


def _in_dialect(sql: str, conn: DriverConnection) -> str:
    # psycopg's placeholder; neither statement holds a literal "?" or "%".
    return sql.replace("?", "%s") if conn.dialect.name == "postgresql" else sql


def write_outcomes(conn: DriverConnection, attempts: Sequence[Sequence[Any]], settled: Sequence[Sequence[Any]]) -> None:
    """Append the delivery-log rows (ATTEMPT_COLUMNS order) and move the deliveries (SETTLE_COLUMNS order)."""
    write_each(conn, [(_in_dialect(_RECORD_ATTEMPT, conn), attempts), (_in_dialect(_SETTLE, conn), settled)])

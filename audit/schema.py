"""Table definitions (SQLAlchemy Core) of the log, its idempotency record and its signed checkpoints."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

metadata = MetaData()

# One row per event; never updated or deleted (enforced by triggers created in the migrations).
# Times are stored as ISO-8601 text exactly as hashed, so the chain is byte-identical on SQLite and PostgreSQL:
#   occurred_at: as given by the client (a plain date or an RFC 3339 timestamp with offset);
#   recorded_at: UTC, fixed width "YYYY-MM-DDTHH:MM:SS.ffffffZ" so that text order is time order.
events = Table(
    "events",
    metadata,
    # Global order of the whole log: 1, 2, 3 ... without gaps, assigned in commit order.
    Column("position", BigInteger, primary_key=True, autoincrement=False),
    Column("id", String(36), nullable=False, unique=True),
    Column("case_id", String(200), nullable=False),
    Column("version", Integer, nullable=False),
    Column("type", String(64), nullable=False),
    Column("schema_version", Integer, nullable=False),
    Column("occurred_at", String(40), nullable=False),
    Column("recorded_at", String(27), nullable=False),
    Column("actor_id", String(200), nullable=False),
    Column("actor_role", String(32), nullable=False),
    # Canonical JSON (sorted keys, no insignificant whitespace, UTF-8) of the payload.
    Column("data", Text, nullable=False),
    Column("idempotency_key", String(200), nullable=True),
    # Per-event random salt (hex) for the salted commitments to sensitive fields (see docs/tamper-evidence.md).
    Column("salt", String(32), nullable=False),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
    UniqueConstraint("case_id", "version", name="uq_events_case_version"),
    Index("ix_events_case_version", "case_id", "version"),
    # No index on recorded_at (migration 0006): it never runs backwards along positions, which answer a range.
    # On SQLite, from migration 0005, a partial index of the case_opened events instead (ix_events_case_opened).
    Index("ix_events_type", "type"),
)

# The append request behind each idempotency key: same key + same body replays, a different body conflicts.
idempotency_keys = Table(
    "idempotency_keys",
    metadata,
    Column("case_id", String(200), primary_key=True),
    Column("key", String(200), primary_key=True),
    Column("request_hash", String(64), nullable=False),
    Column("first_position", BigInteger, ForeignKey("events.position"), nullable=False),
    Column("last_position", BigInteger, nullable=False),
)

# The single row that serialises appends: the chain head (last position and its hash).
log_head = Table(
    "log_head",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("position", BigInteger, nullable=False),
    Column("hash", String(64), nullable=False),
    # recorded_at of the event at `position` ("" before the first): recorded_at never runs backwards.
    Column("recorded_at", String(27), nullable=False, server_default=""),
)

# Signed statements "the log's first tree_size events have Merkle root R and chain head H" (RFC 6962 model).
checkpoints = Table(
    "checkpoints",
    metadata,
    Column("tree_size", BigInteger, primary_key=True, autoincrement=False),
    Column("root_hash", String(64), nullable=False),
    Column("head_hash", String(64), nullable=False),
    Column("created_at", String(27), nullable=False),
    Column("key_id", String(64), nullable=False),
    Column("signature", String(128), nullable=False),
)

GENESIS_HASH = "0" * 64

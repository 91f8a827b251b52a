"""Table definitions (SQLAlchemy Core) of API bearer tokens and the tamper-evident access log."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Index, Integer, String, Table, Text

from audit.schema import metadata

TIME = 27  # UTC text "YYYY-MM-DDTHH:MM:SS.ffffffZ", as in the events table: text order is time order
Position = BigInteger().with_variant(Integer(), "sqlite")

# One row per issued token. Only the SHA-256 of the secret is stored: the secret itself is shown once.
# Revocation sets revoked_at (tokens are configuration, not the audit record; the access log records
# who issued and revoked them).
api_tokens = Table(
    "api_tokens",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("role", String(32), nullable=False),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("team", String(200), nullable=True),
    # JSON list of case ids the token is limited to, or NULL for no case limit.
    Column("cases", Text, nullable=True),
    # An examiner's examination period (ISO dates, inclusive), or NULL.
    Column("valid_from", String(10), nullable=True),
    Column("valid_to", String(10), nullable=True),
    Column("created_at", String(TIME), nullable=False),
    Column("expires_at", String(TIME), nullable=True),
    Column("revoked_at", String(TIME), nullable=True),
    Index("ix_api_tokens_name", "name"),
)

# Append-only (triggers reject UPDATE and DELETE): who read which case trail or export, when, and how.
# Each row is chained to the one before with audit.canonical.event_hash, like the events table.
access_log = Table(
    "access_log",
    metadata,
    Column("position", Position, primary_key=True, autoincrement=False),
    Column("id", String(36), nullable=False, unique=True),
    Column("recorded_at", String(TIME), nullable=False),
    Column("actor_id", String(200), nullable=False),
    Column("actor_role", String(32), nullable=False),
    Column("action", String(64), nullable=False),
    Column("case_id", String(200), nullable=True),
    # Canonical JSON of what was asked (path, query parameters, request id); never borrower data.
    Column("data", Text, nullable=False),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
    Index("ix_access_log_actor", "actor_id"),
    Index("ix_access_log_case", "case_id"),
)

# The single row that serialises access-log appends: last position and its hash.
access_log_head = Table(
    "access_log_head",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("position", Position, nullable=False),
    Column("hash", String(64), nullable=False),
)

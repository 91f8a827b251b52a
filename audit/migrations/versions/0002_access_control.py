"""API access control: bearer tokens (hashes only) and the hash-chained, append-only access log."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002_access_control"
down_revision = "0001_events"
branch_labels = None
depends_on = None

GENESIS_HASH = "0" * 64
TIME = 27
Position = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    """Create the tables of audit/access_schema.py as of this revision and forbid edits of the access log."""
    _create_api_tokens()
    _create_access_log()
    head = op.create_table(
        "access_log_head",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("position", Position, nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
    )
    op.bulk_insert(head, [{"id": 1, "position": 0, "hash": GENESIS_HASH}])
    if op.get_bind().dialect.name == "postgresql":
        _postgres_triggers()
    else:
        _sqlite_triggers()


def downgrade() -> None:
    """The access log is part of the audit record: never rolled back."""
    raise NotImplementedError("the access log schema is only ever upgraded")


def _create_api_tokens() -> None:
    op.create_table(
        "api_tokens",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("role", sa.String(32), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("team", sa.String(200), nullable=True),
        sa.Column("cases", sa.Text, nullable=True),
        sa.Column("valid_from", sa.String(10), nullable=True),
        sa.Column("valid_to", sa.String(10), nullable=True),
        sa.Column("created_at", sa.String(TIME), nullable=False),
        sa.Column("expires_at", sa.String(TIME), nullable=True),
        sa.Column("revoked_at", sa.String(TIME), nullable=True),
    )
    op.create_index("ix_api_tokens_name", "api_tokens", ["name"])


def _create_access_log() -> None:
    op.create_table(
        "access_log",
        sa.Column("position", Position, primary_key=True, autoincrement=False),
        sa.Column("id", sa.String(36), nullable=False, unique=True),
        sa.Column("recorded_at", sa.String(TIME), nullable=False),
        sa.Column("actor_id", sa.String(200), nullable=False),
        sa.Column("actor_role", sa.String(32), nullable=False),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("case_id", sa.String(200), nullable=True),
        sa.Column("data", sa.Text, nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
    )
    op.create_index("ix_access_log_actor", "access_log", ["actor_id"])
    op.create_index("ix_access_log_case", "access_log", ["case_id"])


def _sqlite_triggers() -> None:
    for operation in ("UPDATE", "DELETE"):
        op.execute(
            f"CREATE TRIGGER access_log_no_{operation.lower()} BEFORE {operation} ON access_log "
            f"BEGIN SELECT RAISE(ABORT, 'access_log is append-only: {operation} is not allowed'); END"
        )


def _postgres_triggers() -> None:
    # audit_reject_change() is created by 0001_events; TRUNCATE bypasses row triggers, hence its own.
    op.execute(
        "CREATE TRIGGER access_log_no_update_delete BEFORE UPDATE OR DELETE ON access_log "
        "FOR EACH ROW EXECUTE FUNCTION audit_reject_change()"
    )
    op.execute(
        "CREATE TRIGGER access_log_no_truncate BEFORE TRUNCATE ON access_log "
        "FOR EACH STATEMENT EXECUTE FUNCTION audit_reject_change()"
    )

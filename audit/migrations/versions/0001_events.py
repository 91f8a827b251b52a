"""The append-only log: events, idempotency keys, the log head and signed checkpoints, with triggers."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001_events"
down_revision = None
branch_labels = None
depends_on = None

GENESIS_HASH = "0" * 64
APPEND_ONLY = ("events", "checkpoints")

# On SQLite an INTEGER PRIMARY KEY is the rowid itself: appending by position then writes one B-tree,
# not a table plus a separate primary-key index. PostgreSQL keeps BIGINT.
Position = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    """Create the tables of audit/schema.py as of this revision, seed the log head, forbid edits."""
    _create_events()
    _create_idempotency_keys()
    _create_log_head()
    _create_checkpoints()
    if op.get_bind().dialect.name == "postgresql":
        _postgres_triggers()
    else:
        _sqlite_triggers()


def downgrade() -> None:
    """Revisions of an append-only log are never rolled back."""
    raise NotImplementedError("the audit log schema is only ever upgraded")


def _create_events() -> None:
    op.create_table(
        "events",
        sa.Column("position", Position, primary_key=True, autoincrement=False),
        sa.Column("id", sa.String(36), nullable=False, unique=True),
        sa.Column("case_id", sa.String(200), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("type", sa.String(64), nullable=False),
        sa.Column("schema_version", sa.Integer, nullable=False),
        sa.Column("occurred_at", sa.String(40), nullable=False),
        sa.Column("recorded_at", sa.String(27), nullable=False),
        sa.Column("actor_id", sa.String(200), nullable=False),
        sa.Column("actor_role", sa.String(32), nullable=False),
        sa.Column("data", sa.Text, nullable=False),
        sa.Column("idempotency_key", sa.String(200), nullable=True),
        sa.Column("salt", sa.String(32), nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        # Its index also serves every per-case read, so schema.py's ix_events_case_version (the same
        # columns) is not created: a second identical index would only slow every append.
        sa.UniqueConstraint("case_id", "version", name="uq_events_case_version"),
    )
    op.create_index("ix_events_recorded_at", "events", ["recorded_at"])
    op.create_index("ix_events_type", "events", ["type"])


def _create_idempotency_keys() -> None:
    op.create_table(
        "idempotency_keys",
        sa.Column("case_id", sa.String(200), primary_key=True),
        sa.Column("key", sa.String(200), primary_key=True),
        sa.Column("request_hash", sa.String(64), nullable=False),
        sa.Column("first_position", Position, sa.ForeignKey("events.position"), nullable=False),
        sa.Column("last_position", Position, nullable=False),
    )


def _create_log_head() -> None:
    head = op.create_table(
        "log_head",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("position", Position, nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.Column("recorded_at", sa.String(27), nullable=False, server_default=""),
    )
    op.bulk_insert(head, [{"id": 1, "position": 0, "hash": GENESIS_HASH, "recorded_at": ""}])


def _create_checkpoints() -> None:
    op.create_table(
        "checkpoints",
        sa.Column("tree_size", Position, primary_key=True, autoincrement=False),
        sa.Column("root_hash", sa.String(64), nullable=False),
        sa.Column("head_hash", sa.String(64), nullable=False),
        sa.Column("created_at", sa.String(27), nullable=False),
        sa.Column("key_id", sa.String(64), nullable=False),
        sa.Column("signature", sa.String(128), nullable=False),
    )


def _sqlite_triggers() -> None:
    # RAISE(ABORT) fails the statement with SQLITE_CONSTRAINT, which the driver reports as IntegrityError.
    for table in APPEND_ONLY:
        for operation in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER {table}_no_{operation.lower()} BEFORE {operation} ON {table} "
                f"BEGIN SELECT RAISE(ABORT, '{table} is append-only: {operation} is not allowed'); END"
            )


def _postgres_triggers() -> None:
    # SQLSTATE 23001 (restrict_violation) is an integrity error, as on SQLite. TRUNCATE bypasses row
    # triggers, so it gets its own statement-level trigger.
    op.execute(
        "CREATE FUNCTION audit_reject_change() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        "RAISE EXCEPTION '% is append-only: % is not allowed', TG_TABLE_NAME, TG_OP "
        "USING ERRCODE = 'restrict_violation'; END $$"
    )
    for table in APPEND_ONLY:
        op.execute(
            f"CREATE TRIGGER {table}_no_update_delete BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION audit_reject_change()"
        )
        op.execute(
            f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION audit_reject_change()"
        )

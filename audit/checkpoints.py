"""Signed checkpoints of the log (RFC 6962 tree heads) and the proofs an examiner export ships with them."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import Connection, Engine, insert, select
from sqlalchemy.exc import IntegrityError

from audit import merkle
from audit.canonical import canonical_bytes, leaf_hash
from audit.database import connect, write_transaction
from audit.reads import recorded_at_text
from audit.schema import GENESIS_HASH, checkpoints, events, log_head
from audit.signing import key_id, sign, verify_signature

LOG_NAME = "lossmit-compliance"
PAGE = 10_000  # leaf hashes read per query: 1,000,000 events are 100 short queries, never whole rows


class CheckpointRefused(Exception):
    """The log cannot be checkpointed as it stands (empty, or its rows disagree with its head)."""


@dataclass(frozen=True)
class Checkpoint:
    """A signed statement: the first `tree_size` events have Merkle root `root_hash` and chain head `head_hash`."""

    tree_size: int
    root_hash: str
    head_hash: str
    created_at: str
    key_id: str
    signature: str

    def statement(self) -> dict[str, Any]:
        """The signed object (its canonical JSON is the signed message)."""
        return checkpoint_statement(
            tree_size=self.tree_size, root_hash=self.root_hash, head_hash=self.head_hash, created_at=self.created_at
        )

    def message(self) -> bytes:
        """The exact bytes the signature covers."""
        return canonical_bytes(self.statement())

    def to_json(self) -> dict[str, Any]:
        """All fields as plain JSON values (the form exports and `compliance checkpoint --json` print)."""
        return {"log": LOG_NAME, **asdict(self)}

    @classmethod
    def from_json(cls, value: dict[str, Any]) -> Checkpoint:
        """Read back what to_json wrote."""
        return cls(**{name: value[name] for name in cls.__dataclass_fields__})


@dataclass(frozen=True)
class InclusionProof:
    """Proof that the event at `position` is leaf `leaf_index` of a signed tree: only sibling hashes, no events."""

    position: int
    leaf_index: int
    event_hash: str
    audit_path: list[str]

    def to_json(self) -> dict[str, Any]:
        """Plain JSON values (hex strings)."""
        return asdict(self)


def checkpoint_statement(*, tree_size: int, root_hash: str, head_hash: str, created_at: str) -> dict[str, Any]:
    """The statement a checkpoint signs; `log` names this log so a signature cannot be replayed elsewhere."""
    return {
        "log": LOG_NAME, "tree_size": tree_size, "root_hash": root_hash,
        "head_hash": head_hash, "created_at": created_at,
    }


class LogTree:
    """The log's Merkle tree kept as a compact range (O(log n) hashes), advanced by reading new leaves only.

    Hold one per process (the composition root creates it) so that a checkpoint every N events reads only
    those N leaf hashes instead of the whole log. Thread-safe.
    """

    def __init__(self) -> None:
        self._compact = merkle.CompactRange()
        self._head = GENESIS_HASH
        self._lock = threading.Lock()

    def root_at(self, conn: Connection, *, tree_size: int, head_hash: str) -> bytes:
        """Merkle root of positions 1..tree_size, checking that position tree_size has hash head_hash."""
        with self._lock:
            if tree_size < self._compact.size:  # a compact range only moves forward: start afresh
                self._compact, self._head = merkle.CompactRange(), GENESIS_HASH
            for _, chain_hash in stored_hashes(conn, after=self._compact.size, upto=tree_size):
                self._compact.append(leaf_hash(chain_hash))
                self._head = chain_hash
            if self._head != head_hash:
                raise CheckpointRefused(
                    f"the event at position {tree_size} has hash {self._head}, the log head says {head_hash}"
                )
            return self._compact.root()


def stored_hashes(conn: Connection, *, after: int, upto: int, page: int = PAGE) -> Iterator[tuple[int, str]]:
    """(position, stored chain hash) of positions after+1..upto in order, paged; refuses a gap."""
    expected = after + 1
    while expected <= upto:
        rows = conn.execute(
            select(events.c.position, events.c.hash)
            .where(events.c.position >= expected, events.c.position <= upto)
            .order_by(events.c.position)
            .limit(page)
        ).all()
        for position, chain_hash in rows:
            if position != expected:
                raise CheckpointRefused(f"position {expected} is missing from the log")
            yield position, chain_hash
            expected += 1
        if not rows:
            raise CheckpointRefused(f"position {expected} is missing from the log")


@contextmanager
def _reading(target: Engine | Connection) -> Iterator[Connection]:
    """A connection for reads; a transaction begun here only to read is ended here, so writes get their own."""
    began = isinstance(target, Connection) and not target.in_transaction()
    with connect(target) as conn:
        yield conn
        if began and conn.in_transaction():
            conn.commit()  # ends the read snapshot (on SQLite WAL, upgrading a stale one to write would fail)


def _head(conn: Connection) -> tuple[int, str]:
    row = conn.execute(select(log_head.c.position, log_head.c.hash)).one()
    return int(row.position), row.hash


def _checkpoint_at(conn: Connection, tree_size: int) -> Checkpoint | None:
    row = conn.execute(select(checkpoints).where(checkpoints.c.tree_size == tree_size)).first()
    return Checkpoint(**row._asdict()) if row else None


def sign_checkpoint(
    key: Ed25519PrivateKey, *, tree_size: int, root_hash: str, head_hash: str, created_at: str
) -> Checkpoint:
    """A checkpoint over the given tree head, signed with `key` (no database involved)."""
    statement = checkpoint_statement(
        tree_size=tree_size, root_hash=root_hash, head_hash=head_hash, created_at=created_at
    )
    return Checkpoint(
        tree_size=tree_size, root_hash=root_hash, head_hash=head_hash, created_at=created_at,
        key_id=key_id(key.public_key()), signature=sign(key, canonical_bytes(statement)),
    )


def create_checkpoint(
    target: Engine | Connection, key: Ed25519PrivateKey, *, now: datetime, tree: LogTree | None = None
) -> Checkpoint:
    """Sign and store a checkpoint of the whole log as of its head (or return the one already at that size).

    Given a Connection already inside a transaction, the checkpoint is written in it and the caller commits.
    """
    with _reading(target) as conn:
        tree_size, head_hash = _head(conn)
        if tree_size == 0:
            raise CheckpointRefused("the log is empty: there is nothing to checkpoint")
        existing = _checkpoint_at(conn, tree_size)
        root = b"" if existing else (tree or LogTree()).root_at(conn, tree_size=tree_size, head_hash=head_hash)
    if existing is not None:
        return existing
    checkpoint = sign_checkpoint(
        key, tree_size=tree_size, root_hash=root.hex(), head_hash=head_hash, created_at=recorded_at_text(now)
    )
    return _store(target, checkpoint)


def _store(target: Engine | Connection, checkpoint: Checkpoint) -> Checkpoint:
    """Insert the checkpoint; a concurrent writer that stored the same size first wins (same statement)."""
    with write_transaction(target) as conn:
        try:
            with conn.begin_nested():
                conn.execute(insert(checkpoints).values(**asdict(checkpoint)))
        except IntegrityError:
            return _checkpoint_at(conn, checkpoint.tree_size) or checkpoint
    return checkpoint


def maybe_checkpoint(
    target: Engine | Connection, key: Ed25519PrivateKey, *, every: int, now: datetime, tree: LogTree | None = None
) -> Checkpoint | None:
    """Create a checkpoint when the head is at least `every` events past the latest one; else None."""
    with _reading(target) as conn:
        tree_size, _ = _head(conn)
        latest = latest_checkpoint(conn)
    if tree_size - (latest.tree_size if latest else 0) < every:
        return None
    return create_checkpoint(target, key, now=now, tree=tree)


def latest_checkpoint(target: Engine | Connection) -> Checkpoint | None:
    """The checkpoint of the largest tree, or None before the first."""
    with _reading(target) as conn:
        row = conn.execute(select(checkpoints).order_by(checkpoints.c.tree_size.desc()).limit(1)).first()
    return Checkpoint(**row._asdict()) if row else None


def all_checkpoints(target: Engine | Connection) -> list[Checkpoint]:
    """Every stored checkpoint, smallest tree first."""
    with _reading(target) as conn:
        rows = conn.execute(select(checkpoints).order_by(checkpoints.c.tree_size)).all()
    return [Checkpoint(**row._asdict()) for row in rows]


def inclusion_proofs_for_case(target: Engine | Connection, case_id: str, tree_size: int) -> list[InclusionProof]:
    """For each event of the case within the first `tree_size` positions: its audit path, in version order.

    One streaming pass over the leaf hashes (O(log n) memory); other events are represented only by hashes
    of subtrees, so nothing about other borrowers is revealed.
    """
    with _reading(target) as conn:
        rows = conn.execute(
            select(events.c.position, events.c.hash)
            .where(events.c.case_id == case_id, events.c.position <= tree_size)
            .order_by(events.c.version)
        ).all()
        leaves = (leaf_hash(h) for _, h in stored_hashes(conn, after=0, upto=tree_size))
        paths = merkle.inclusion_proofs([p - 1 for p, _ in rows], leaves, tree_size=tree_size)
    return [
        InclusionProof(position=p, leaf_index=p - 1, event_hash=h, audit_path=[n.hex() for n in paths[p - 1]])
        for p, h in rows
    ]


def consistency_proof(target: Engine | Connection, *, first: int, second: int) -> list[str]:
    """RFC 6962 proof (hex) that the tree of `first` events is a prefix of the tree of `second` events."""
    with _reading(target) as conn:
        tree = merkle.MerkleTree(leaf_hash(h) for _, h in stored_hashes(conn, after=0, upto=second))
    return [node.hex() for node in tree.consistency_proof(first)]


def verify_checkpoint_signature(checkpoint: Checkpoint, public_key_pem: str) -> bool:
    """True when the checkpoint's signature is valid under that public key."""
    return verify_signature(public_key_pem, checkpoint.message(), checkpoint.signature)

"""Signed checkpoints over the real log (SQLite and PostgreSQL): creation, cadence, proofs for one case."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import Engine, func, select, text, update

from audit import merkle
from audit.canonical import canonical_bytes, leaf_hash
from audit.checkpoints import (
    LOG_NAME,
    Checkpoint,
    CheckpointRefused,
    LogTree,
    all_checkpoints,
    consistency_proof,
    create_checkpoint,
    inclusion_proofs_for_case,
    latest_checkpoint,
    maybe_checkpoint,
    verify_checkpoint_signature,
)
from audit.schema import checkpoints, events, log_head
from audit.signing import key_id, load_or_create_key, public_key_pem, verify_signature
from audit.store import Actor, append

NOW = datetime(2026, 7, 10, 15, 0, tzinfo=UTC)
ACTOR = Actor("u-17", "specialist")


def opened(case_id: str) -> dict[str, Any]:
    data = {"loan_id": f"L-{case_id}", "borrower_ref": f"B-{case_id}", "property_state": "NY"}
    return {"type": "case_opened", "occurred_at": "2026-07-01", "data": data}


def contact(summary: str) -> dict[str, Any]:
    data = {"channel": "phone", "direction": "outbound", "outcome": "live_contact", "party": "borrower",
            "staff_id": "u-17", "summary": summary}
    return {"type": "contact_logged", "occurred_at": "2026-07-02T10:00:00-04:00", "data": data}


def record(engine: Engine, case_id: str, count: int = 1) -> None:
    """Append `count` events to a case through the real write path (opening it first when new)."""
    with engine.connect() as conn:
        version = conn.execute(select(func.max(events.c.version)).where(events.c.case_id == case_id)).scalar()
    version = version or 0
    for offset in range(count):
        event = opened(case_id) if version + offset == 0 else contact(f"call {version + offset} about {case_id}")
        append(engine, case_id, [event], expected_version=version + offset, actor=ACTOR,
               now=NOW + timedelta(seconds=version + offset))


def interleaved(engine: Engine, cases: int = 3, each: int = 4) -> None:
    """cases x each events, round-robin across cases, so every case's events are spread over the log."""
    for _ in range(each):
        for number in range(cases):
            record(engine, f"C-{number}")


def leaves(engine: Engine, upto: int | None = None) -> list[bytes]:
    with engine.connect() as conn:
        query = select(events.c.hash).order_by(events.c.position)
        if upto is not None:
            query = query.where(events.c.position <= upto)
        return [leaf_hash(h) for h in conn.execute(query).scalars()]


@pytest.fixture
def key(tmp_path: Path) -> Ed25519PrivateKey:
    return load_or_create_key(tmp_path / "signing-key.pem")


def test_checkpoint_signs_root_and_head_of_the_whole_log(store_engine: Engine, key: Ed25519PrivateKey) -> None:
    interleaved(store_engine)
    made = create_checkpoint(store_engine, key, now=NOW)
    with store_engine.connect() as conn:
        head = conn.execute(select(log_head.c.position, log_head.c.hash)).one()
    assert (made.tree_size, made.head_hash) == (12, head.hash) == (head.position, head.hash)
    assert made.root_hash == merkle.root(leaves(store_engine)).hex()
    assert made.created_at == "2026-07-10T15:00:00.000000Z"
    assert made.key_id == key_id(key.public_key())
    statement = {"log": LOG_NAME, "tree_size": 12, "root_hash": made.root_hash, "head_hash": made.head_hash,
                 "created_at": made.created_at}
    assert made.message() == canonical_bytes(statement)
    assert verify_signature(public_key_pem(key), canonical_bytes(statement), made.signature)
    assert verify_checkpoint_signature(made, public_key_pem(key))
    assert latest_checkpoint(store_engine) == made == Checkpoint.from_json(made.to_json())


def test_checkpoint_again_without_new_events_returns_the_same_one(
    store_engine: Engine, key: Ed25519PrivateKey
) -> None:
    record(store_engine, "C-1", 3)
    first = create_checkpoint(store_engine, key, now=NOW)
    again = create_checkpoint(store_engine, key, now=NOW + timedelta(hours=1))
    assert again == first
    assert all_checkpoints(store_engine) == [first]


def test_an_empty_log_is_not_checkpointed(store_engine: Engine, key: Ed25519PrivateKey) -> None:
    with pytest.raises(CheckpointRefused, match="empty"):
        create_checkpoint(store_engine, key, now=NOW)
    assert latest_checkpoint(store_engine) is None


def test_maybe_checkpoint_every_n_events(store_engine: Engine, key: Ed25519PrivateKey) -> None:
    tree = LogTree()
    made = []
    for _ in range(12):
        record(store_engine, "C-1")
        made.append(maybe_checkpoint(store_engine, key, every=5, now=NOW, tree=tree))
    assert [m.tree_size if m else None for m in made] == [None] * 4 + [5] + [None] * 4 + [10, None, None]
    assert [c.tree_size for c in all_checkpoints(store_engine)] == [5, 10]
    # the incremental tree gives the same roots as a fresh computation
    assert all_checkpoints(store_engine)[1].root_hash == merkle.root(leaves(store_engine, 10)).hex()


def test_a_log_tree_reused_across_checkpoints_matches_a_fresh_one(
    store_engine: Engine, key: Ed25519PrivateKey
) -> None:
    tree = LogTree()
    record(store_engine, "C-1", 3)
    create_checkpoint(store_engine, key, now=NOW, tree=tree)
    record(store_engine, "C-2", 4)
    with_tree = create_checkpoint(store_engine, key, now=NOW, tree=tree)
    assert with_tree.root_hash == merkle.root(leaves(store_engine)).hex()


def test_checkpoint_on_a_connection_commits_its_own_transaction(
    store_engine: Engine, key: Ed25519PrivateKey
) -> None:
    record(store_engine, "C-1", 2)
    with store_engine.connect() as conn:
        made = create_checkpoint(conn, key, now=NOW)
    assert latest_checkpoint(store_engine) == made


def bypass_triggers(conn: Any) -> None:
    if conn.dialect.name == "sqlite":
        for name in ("events_no_update", "events_no_delete"):
            conn.execute(text(f"DROP TRIGGER IF EXISTS {name}"))
    else:
        conn.execute(text("ALTER TABLE events DISABLE TRIGGER USER"))


def test_refuses_to_sign_a_log_whose_rows_disagree_with_its_head(
    store_engine: Engine, key: Ed25519PrivateKey
) -> None:
    record(store_engine, "C-1", 4)
    with store_engine.begin() as conn:
        bypass_triggers(conn)
        conn.execute(events.delete().where(events.c.position == 2))
    with pytest.raises(CheckpointRefused, match="position 2 is missing"):
        create_checkpoint(store_engine, key, now=NOW)
    with store_engine.begin() as conn:
        conn.execute(update(log_head).values(hash="f" * 64))
    with pytest.raises(CheckpointRefused):
        create_checkpoint(store_engine, key, now=NOW)
    assert latest_checkpoint(store_engine) is None


def test_inclusion_proofs_for_one_case_verify_against_the_signed_root(
    store_engine: Engine, key: Ed25519PrivateKey
) -> None:
    interleaved(store_engine)
    made = create_checkpoint(store_engine, key, now=NOW)
    record(store_engine, "C-1")  # appended after the checkpoint: not provable by it
    proofs = inclusion_proofs_for_case(store_engine, "C-1", made.tree_size)
    with store_engine.connect() as conn:
        rows = conn.execute(
            select(events.c.position, events.c.hash).where(events.c.case_id == "C-1").order_by(events.c.version)
        ).all()
    assert [(p.position, p.event_hash) for p in proofs] == [tuple(r) for r in rows[:4]]
    root = bytes.fromhex(made.root_hash)
    for proof in proofs:
        path = [bytes.fromhex(node) for node in proof.audit_path]
        assert proof.leaf_index == proof.position - 1
        assert len(path) in (3, 4)  # about log2(12) subtree hashes: never another event's content
        assert merkle.verify_inclusion(leaf_hash(proof.event_hash), proof.leaf_index, 12, path, root)
        assert not merkle.verify_inclusion(leaf_hash(proof.event_hash), proof.leaf_index ^ 1, 12, path, root)
    # another borrower's event cannot be passed off at this case's leaf index
    foreign = leaf_hash(proofs[0].audit_path[0])  # any other hash will do; the sibling is the hardest case
    first = proofs[0]
    assert not merkle.verify_inclusion(
        foreign, first.leaf_index, 12, [bytes.fromhex(n) for n in first.audit_path], root
    )


def test_proofs_of_a_case_only_name_its_own_events(store_engine: Engine, key: Ed25519PrivateKey) -> None:
    interleaved(store_engine)
    made = create_checkpoint(store_engine, key, now=NOW)
    proofs = inclusion_proofs_for_case(store_engine, "C-2", made.tree_size)
    assert [p.position for p in proofs] == [3, 6, 9, 12]
    assert inclusion_proofs_for_case(store_engine, "C-404", made.tree_size) == []


def test_a_later_checkpoint_is_proven_to_extend_an_earlier_one(
    store_engine: Engine, key: Ed25519PrivateKey
) -> None:
    record(store_engine, "C-1", 5)
    earlier = create_checkpoint(store_engine, key, now=NOW)
    record(store_engine, "C-2", 6)
    later = create_checkpoint(store_engine, key, now=NOW)
    proof = [bytes.fromhex(n) for n in consistency_proof(store_engine, first=5, second=11)]
    assert merkle.verify_consistency(
        earlier.tree_size, later.tree_size, bytes.fromhex(earlier.root_hash), bytes.fromhex(later.root_hash), proof
    )
    # the same proof does not vouch for a different earlier root (a rewritten prefix)
    assert not merkle.verify_consistency(5, 11, bytes.fromhex(later.root_hash), bytes.fromhex(later.root_hash), proof)


def test_checkpoints_are_append_only_in_the_database(store_engine: Engine, key: Ed25519PrivateKey) -> None:
    record(store_engine, "C-1", 2)
    create_checkpoint(store_engine, key, now=NOW)
    with pytest.raises(Exception, match="append-only"), store_engine.begin() as conn:
        conn.execute(update(checkpoints).values(signature="00" * 64))

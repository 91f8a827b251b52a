"""`compliance verify` against rows edited, deleted, inserted, reordered and truncated directly in the database.

Events are written through the real audit.store.append; the tampering bypasses the append-only triggers the
way an attacker with database access would (DROP TRIGGER on SQLite, DISABLE TRIGGER USER on PostgreSQL).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import Connection, Engine, select, text, update
from typer.testing import CliRunner

from audit.canonical import canonical_json, event_hash
from audit.checkpoints import Checkpoint, create_checkpoint
from audit.schema import checkpoints, events, log_head
from audit.signing import load_or_create_key, public_key_pem
from audit.verify import FINDING_KINDS, MAX_PER_KIND, VerificationReport, stored_envelope, verify_log
from tests.audit.test_checkpoints import NOW, interleaved, record


@pytest.fixture
def key(tmp_path: Path) -> Ed25519PrivateKey:
    return load_or_create_key(tmp_path / "signing-key.pem")


@pytest.fixture
def pem(key: Ed25519PrivateKey) -> str:
    return public_key_pem(key)


@pytest.fixture
def log(store_engine: Engine, key: Ed25519PrivateKey) -> Engine:
    """12 events (3 cases x 4, interleaved), a checkpoint at 6 and one at 12."""
    interleaved(store_engine, cases=3, each=2)
    create_checkpoint(store_engine, key, now=NOW)
    interleaved(store_engine, cases=3, each=2)
    create_checkpoint(store_engine, key, now=NOW)
    return store_engine


def bypass_triggers(conn: Connection) -> None:
    """What an attacker with the database owner's rights does first."""
    if conn.dialect.name == "sqlite":
        for table in ("events", "checkpoints"):
            for operation in ("update", "delete"):
                conn.execute(text(f"DROP TRIGGER IF EXISTS {table}_no_{operation}"))
    else:
        conn.execute(text("ALTER TABLE events DISABLE TRIGGER USER"))
        conn.execute(text("ALTER TABLE checkpoints DISABLE TRIGGER USER"))


def row(conn: Connection, position: int) -> dict[str, Any]:
    return dict(conn.execute(select(events).where(events.c.position == position)).one()._mapping)


def set_row(conn: Connection, position: int, **values: Any) -> None:
    conn.execute(update(events).where(events.c.position == position).values(**values))


def rehash(conn: Connection, position: int) -> str:
    """Recompute the stored hash of one row from its (tampered) content and prev_hash."""
    digest = event_hash(row(conn, position)["prev_hash"], stored_envelope(row(conn, position)))
    set_row(conn, position, hash=digest)
    return digest


def rebuild_chain_from(conn: Connection, position: int) -> None:
    """The thorough attacker: re-link and re-hash every row from `position` on and move the head."""
    prev = row(conn, position - 1)["hash"] if position > 1 else "0" * 64
    last = conn.execute(select(events.c.position).order_by(events.c.position.desc())).scalars().first()
    for at in range(position, last + 1):
        set_row(conn, at, prev_hash=prev)
        prev = rehash(conn, at)
    conn.execute(update(log_head).values(position=last, hash=prev))


def kinds(report: VerificationReport) -> dict[str, list[int | None]]:
    found: dict[str, list[int | None]] = {}
    for finding in report.findings:
        found.setdefault(finding.kind, []).append(finding.position)
    return found


def test_an_untouched_log_verifies(log: Engine, pem: str) -> None:
    report = verify_log(log, pem)
    assert report.ok, report.summary()
    assert (report.events_checked, report.checkpoints_checked, report.findings) == (12, 2, [])
    assert report.to_json() == {"ok": True, "events_checked": 12, "checkpoints_checked": 2, "findings": []}


def test_an_empty_log_verifies(store_engine: Engine, pem: str) -> None:
    assert verify_log(store_engine, pem).ok


def test_an_edited_field_is_reported_as_modified_at_its_position(log: Engine, pem: str) -> None:
    with log.begin() as conn:
        bypass_triggers(conn)
        set_row(conn, 5, actor_id="someone-else")
    report = verify_log(log, pem)
    assert not report.ok
    assert kinds(report) == {"modified": [5]}
    assert "edited after it was recorded" in report.findings[0].reason


def test_an_edited_sensitive_summary_is_caught_through_its_commitment(log: Engine, pem: str) -> None:
    with log.begin() as conn:
        bypass_triggers(conn)
        data = json.loads(row(conn, 7)["data"])
        set_row(conn, 7, data=canonical_json(data | {"summary": "borrower declined"}))
    assert kinds(verify_log(log, pem)) == {"modified": [7]}


def test_an_edit_with_its_own_hash_recomputed_breaks_the_chain_at_the_next_event(log: Engine, pem: str) -> None:
    with log.begin() as conn:
        bypass_triggers(conn)
        set_row(conn, 5, actor_id="someone-else")
        rehash(conn, 5)
    report = verify_log(log, pem)
    # both checkpoints cover position 5; none before them still verifies, so each brackets from position 1
    assert kinds(report) == {"chain_break": [6], "checkpoint_root": [1, 1]}


def test_a_rebuilt_chain_is_caught_by_the_signed_checkpoints_bracketing_the_position(
    log: Engine, pem: str
) -> None:
    with log.begin() as conn:
        bypass_triggers(conn)
        set_row(conn, 8, occurred_at="2026-06-01")
        rebuild_chain_from(conn, 8)
    report = verify_log(log, pem)
    # The chain is internally consistent again; only the signature-protected roots expose the rewrite, and
    # the checkpoint at 6 still verifying narrows it to positions 7..12.
    assert kinds(report) == {"checkpoint_root": [7]}
    assert "positions 7..12" in report.findings[0].reason


def test_a_deleted_event_is_reported_as_a_gap_at_its_position(log: Engine, pem: str) -> None:
    with log.begin() as conn:
        bypass_triggers(conn)
        conn.execute(events.delete().where(events.c.position == 5))
    found = kinds(verify_log(log, pem))
    assert found["position_gap"] == [5]
    assert found["chain_break"] == [6]
    assert found["version_order"] == [8]  # the case of position 5 jumps from version 1 to 3
    assert found["checkpoint_root"] == [1, 1]


def test_a_deleted_last_event_is_caught_by_the_head_and_the_checkpoint(log: Engine, pem: str) -> None:
    with log.begin() as conn:
        bypass_triggers(conn)
        conn.execute(events.delete().where(events.c.position == 12))
    found = kinds(verify_log(log, pem))
    assert found == {"head_mismatch": [12], "truncated": [12]}


def test_an_inserted_event_is_reported_where_the_chain_skips_it(log: Engine, pem: str) -> None:
    with log.begin() as conn:
        bypass_triggers(conn)
        # make room at position 5 (two steps: positions are a primary key), then forge a well-hashed event
        conn.execute(update(events).where(events.c.position >= 5).values(position=-events.c.position - 1))
        conn.execute(update(events).where(events.c.position < 0).values(position=-events.c.position))
        forged = row(conn, 6) | {"position": 5, "id": "00000000-0000-4000-8000-000000000000",
                                 "case_id": "C-forged", "version": 1, "prev_hash": row(conn, 4)["hash"]}
        forged["hash"] = event_hash(forged["prev_hash"], stored_envelope(forged))
        conn.execute(events.insert().values(**forged))
        conn.execute(update(log_head).values(position=13))
    report = verify_log(log, pem)
    found = kinds(report)
    assert found["chain_break"] == [6]
    assert "skipping 5: position 5 was inserted or moved" in next(
        f.reason for f in report.findings if f.kind == "chain_break"
    )
    assert found["modified"] == list(range(6, 14))  # every renumbered event: its position is hashed
    assert found["checkpoint_root"] == [1, 1]


def test_reordered_events_are_reported_at_both_positions(log: Engine, pem: str) -> None:
    with log.begin() as conn:
        bypass_triggers(conn)
        # positions 4 and 7 hold versions 2 and 3 of case C-0: swap their rows, keeping the positions
        a, b = row(conn, 4), row(conn, 7)
        set_row(conn, 4, id="swap", version=-1)
        set_row(conn, 7, **{k: v for k, v in a.items() if k != "position"})
        set_row(conn, 4, **{k: v for k, v in b.items() if k != "position"})
    found = kinds(verify_log(log, pem))
    assert found["modified"] == [4, 7]
    assert found["chain_break"] == [4, 5, 7, 8]
    assert found["version_order"] == [4, 7]
    assert found["checkpoint_root"] == [1, 1]


def test_a_recorded_at_moved_backwards_is_reported(log: Engine, pem: str) -> None:
    with log.begin() as conn:
        bypass_triggers(conn)
        set_row(conn, 9, recorded_at="2020-01-01T00:00:00.000000Z")
        rebuild_chain_from(conn, 9)
    found = kinds(verify_log(log, pem))
    assert found == {"time_order": [9], "checkpoint_root": [7]}


def test_a_tail_truncated_after_a_checkpoint_is_reported(log: Engine, pem: str) -> None:
    with log.begin() as conn:
        bypass_triggers(conn)
        conn.execute(events.delete().where(events.c.position > 9))
        conn.execute(update(log_head).values(position=9, hash=row(conn, 9)["hash"]))
    report = verify_log(log, pem)
    assert kinds(report) == {"truncated": [10]}
    assert "positions 10..12 were removed" in report.findings[0].reason
    assert report.events_checked == 9


def test_truncation_hidden_by_deleting_checkpoints_is_caught_by_one_kept_outside(
    log: Engine, pem: str
) -> None:
    with log.connect() as conn:
        kept = Checkpoint(**conn.execute(select(checkpoints).where(checkpoints.c.tree_size == 12)).one()._mapping)
    with log.begin() as conn:
        bypass_triggers(conn)
        conn.execute(events.delete().where(events.c.position > 9))
        conn.execute(checkpoints.delete().where(checkpoints.c.tree_size == 12))
        conn.execute(update(log_head).values(position=9, hash=row(conn, 9)["hash"]))
    assert verify_log(log, pem).ok  # from the database alone, the cut is invisible (documented threat)
    found = kinds(verify_log(log, pem, trusted=[kept]))
    assert found == {"checkpoint_missing": [12], "truncated": [10]}


def test_an_altered_checkpoint_fails_its_signature(log: Engine, pem: str) -> None:
    with log.begin() as conn:
        bypass_triggers(conn)
        later = "2030-01-01T00:00:00.000000Z"
        conn.execute(update(checkpoints).where(checkpoints.c.tree_size == 6).values(created_at=later))
    assert kinds(verify_log(log, pem)) == {"checkpoint_signature": [6]}


def test_checkpoints_verified_with_another_key_fail_and_name_the_key(log: Engine, tmp_path: Path) -> None:
    other = public_key_pem(load_or_create_key(tmp_path / "other.pem"))
    report = verify_log(log, other)
    assert kinds(report) == {"checkpoint_signature": [6, 12]}
    assert "it names key" in report.findings[0].reason


def test_a_log_head_moved_is_reported(log: Engine, pem: str) -> None:
    with log.begin() as conn:
        conn.execute(update(log_head).values(position=11))
    assert kinds(verify_log(log, pem)) == {"head_mismatch": [11]}


def test_an_unparseable_row_is_reported_not_crashed_on(log: Engine, pem: str) -> None:
    with log.begin() as conn:
        bypass_triggers(conn)
        set_row(conn, 3, data="{not json")
    # its stored hash is intact, so the signed roots still match: only the row itself is unreadable
    assert kinds(verify_log(log, pem)) == {"malformed": [3]}


def test_findings_of_one_kind_are_capped_and_counted(store_engine: Engine, pem: str) -> None:
    record(store_engine, "C-1", MAX_PER_KIND + 3)
    with store_engine.begin() as conn:
        bypass_triggers(conn)
        conn.execute(update(events).values(actor_id="x"))
    report = verify_log(store_engine, pem, page=7)  # small pages: paging must not lose or repeat a row
    modified = [f for f in report.findings if f.kind == "modified"]
    assert len(modified) == MAX_PER_KIND + 1
    assert modified[-1].position is None and "3 more" in modified[-1].reason
    assert report.events_checked == MAX_PER_KIND + 3


def test_every_finding_kind_is_documented() -> None:
    doc = (Path(__file__).resolve().parents[2] / "docs" / "tamper-evidence.md").read_text()
    for kind in FINDING_KINDS:
        assert f"`{kind}`" in doc


# --- the command line ---------------------------------------------------------------------------------


@pytest.fixture
def cli_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, store_url: str) -> Path:
    key_path = tmp_path / "cli-key.pem"
    monkeypatch.setenv("COMPLIANCE_DATABASE_URL", store_url)
    monkeypatch.setenv("COMPLIANCE_SIGNING_KEY_PATH", str(key_path))
    monkeypatch.setenv("COMPLIANCE_DATA_DIR", str(tmp_path / "var"))
    return key_path


def run(*args: str) -> Any:
    from api.cli import app

    return CliRunner().invoke(app, list(args))


def test_cli_checkpoint_verify_and_public_key(cli_env: Path, store_engine: Engine) -> None:
    interleaved(store_engine, cases=2, each=2)
    made = run("checkpoint", "--json")
    assert made.exit_code == 0, made.output
    assert json.loads(made.output)["tree_size"] == 4
    ok = run("verify")
    assert ok.exit_code == 0, ok.output
    assert ok.output.startswith("OK - 4 events, 1 checkpoints checked")
    pem = run("public-key")
    assert pem.output == public_key_pem(load_or_create_key(cli_env))


def test_cli_verify_exits_1_and_names_the_position(cli_env: Path, store_engine: Engine, tmp_path: Path) -> None:
    interleaved(store_engine, cases=2, each=2)
    checkpoint_file = tmp_path / "kept.json"
    checkpoint_file.write_text(run("checkpoint", "--json").output)
    with store_engine.begin() as conn:
        bypass_triggers(conn)
        set_row(conn, 2, actor_id="intruder")
    plain = run("verify", "--checkpoint", str(checkpoint_file))
    assert plain.exit_code == 1
    assert "modified at position 2" in plain.output
    as_json = json.loads(run("verify", "--json").output)
    assert as_json["ok"] is False
    assert {"position": 2, "kind": "modified"}.items() <= as_json["findings"][0].items()


def test_cli_checkpoint_of_an_empty_log_exits_1(cli_env: Path) -> None:
    result = run("checkpoint")
    assert result.exit_code == 1
    assert "empty" in result.output

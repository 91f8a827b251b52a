"""Portfolio exports (streamed zip with proofs) and the data tape: contents, verification, bounded memory."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
import tracemalloc
import zipfile
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from audit import merkle
from audit.canonical import leaf_hash
from audit.checkpoints import create_checkpoint
from audit.database import make_engine
from audit.export import portfolio_scope, proofs
from audit.export.bundle import ExportRequest
from audit.export.data_tape import data_tape
from audit.export.portfolio import export_portfolio
from audit.export.portfolio_scope import PortfolioScope, scoped_cases, scoped_event_rows
from audit.export.tape import TAPE_COLUMNS
from audit.migrate import upgrade
from audit.reads import events_after
from audit.signing import load_or_create_key
from audit.store import append
from tests.audit.test_export_cases import EXAMINER, NOW, SECRETS, SPECIALIST, Log, fresh_log


@pytest.fixture
def export_log(tmp_path: Path) -> Iterator[Log]:
    with fresh_log(tmp_path) as log:
        yield log



def portfolio(log: Log, scope: PortfolioScope, **options: Any) -> bytes:
    request = ExportRequest(key=log.key, now=NOW, actor=EXAMINER, **options)
    return b"".join(export_portfolio(log.engine, scope, request))


def verify(bundle: bytes, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    path = tmp_path / "portfolio.zip"
    path.write_bytes(bundle)
    script = tmp_path / "verify.py"
    script.write_bytes(zipfile.ZipFile(path).read("verify.py"))
    return subprocess.run([sys.executable, str(script), str(path)], capture_output=True, text=True, timeout=300,
                          check=False)


def test_a_list_of_cases_exports_and_verifies(export_log: Log, tmp_path: Path) -> None:
    bundle = portfolio(export_log, PortfolioScope(cases=("C-1", "C-2")))
    result = verify(bundle, tmp_path)
    assert result.returncode == 0 and result.stdout.strip().endswith("VERIFIED"), result.stdout
    archive = zipfile.ZipFile(io.BytesIO(bundle))
    assert archive.namelist() == ["events.jsonl", "events.csv", "proofs.jsonl", "clocks.jsonl", "clocks.csv",
                                  "contacts.csv", "loans.csv", "verify.py", "README.txt", "manifest.json",
                                  "manifest.sig"]
    lines = [json.loads(line) for line in archive.read("events.jsonl").splitlines()]
    assert [line["position"] for line in lines] == sorted(line["position"] for line in lines)
    assert {line["case_id"] for line in lines} == {"C-1", "C-2"}
    assert len(archive.read("proofs.jsonl").splitlines()) == len(lines)
    clocks = [json.loads(line) for line in archive.read("clocks.jsonl").splitlines()]
    assert {c["case_id"] for c in clocks} == {"C-1", "C-2"} and all(c["citation"] for c in clocks)
    loans = list(csv.DictReader(io.StringIO(archive.read("loans.csv").decode())))
    assert [row["case_id"] for row in loans] == ["C-1", "C-2"]
    assert json.loads(archive.read("manifest.json"))["readings"] == {
        "regf_scope": "debt_collector_only", "live_contact_satisfied_by": "attempt_or_contact"}


def test_a_date_range_exports_the_cases_touched_in_it_whole(export_log: Log, tmp_path: Path) -> None:
    # Only C-1 has events recorded in June; all of its events are exported, C-2's none.
    bundle = portfolio(export_log, PortfolioScope(recorded_from=date(2026, 6, 1), recorded_to=date(2026, 6, 30)))
    lines = [json.loads(line) for line in zipfile.ZipFile(io.BytesIO(bundle)).read("events.jsonl").splitlines()]
    assert {line["case_id"] for line in lines} == {"C-1"} and lines[0]["version"] == 1
    assert verify(bundle, tmp_path).returncode == 0


def test_a_redacted_portfolio_verifies_and_leaks_nothing(export_log: Log, tmp_path: Path) -> None:
    bundle = portfolio(export_log, PortfolioScope(cases=("C-1", "C-2")), redact=True)
    result = verify(bundle, tmp_path)
    assert result.returncode == 0, result.stdout
    archive = zipfile.ZipFile(io.BytesIO(bundle))
    contents = {name: archive.read(name) for name in archive.namelist() if name != "verify.py"}
    assert not [(n, s) for n, c in contents.items() for s in (*SECRETS, "C-2 private call notes") if s.encode() in c]


def test_tampering_with_a_portfolio_proof_is_caught(export_log: Log, tmp_path: Path) -> None:
    archive = zipfile.ZipFile(io.BytesIO(portfolio(export_log, PortfolioScope(cases=("C-1",)))))
    folder = tmp_path / "bundle"
    folder.mkdir()
    for name in archive.namelist():
        (folder / name).write_bytes(archive.read(name))
    proof_lines = (folder / "proofs.jsonl").read_text().splitlines(keepends=True)
    (folder / "proofs.jsonl").write_text("".join(proof_lines[:2] + proof_lines[3:]))
    result = subprocess.run([sys.executable, str(folder / "verify.py"), str(folder)], capture_output=True, text=True,
                            timeout=120, check=False)
    assert result.returncode == 1 and "no inclusion proof for this event" in result.stdout


def test_the_data_tape_has_one_row_per_case_with_milestones_and_breaches(export_log: Log) -> None:
    text = b"".join(data_tape(export_log.engine, now=NOW, calendar="us-6103a")).decode()
    rows = {row["case_id"]: row for row in csv.DictReader(io.StringIO(text))}
    assert list(next(csv.reader(io.StringIO(text)))) == list(TAPE_COLUMNS)
    first = rows["C-1"]
    assert (first["application_received"], first["application_acknowledged"]) == ("2026-06-01", "2026-06-05")
    assert first["oldest_missed_due_date"] == "2026-02-01" and first["breaches_recorded"] == "1"
    assert first["breached_ei_written_notice"] == "1" and first["breached_lm_ack_notice"] == "0"
    assert rows["C-2"]["applications"] == "0"


@pytest.mark.parametrize("size", [1, 2, 3, 5, 8, 13, 31, 64, 100])
def test_chunked_proofs_equal_whole_tree_proofs(size: int, tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{(tmp_path / 'log.db').as_posix()}")
    upgrade(engine)
    key = load_or_create_key(tmp_path / "key.pem")
    append(engine, "C-1", [{"type": "case_opened", "occurred_at": "2026-01-02",
                            "data": {"loan_id": "L", "borrower_ref": "B", "property_state": "NY"}}]
           + [{"type": "note_added", "occurred_at": "2026-01-02", "data": {"text": f"n{i}"}} for i in range(size - 1)],
           expected_version=0, actor=SPECIALIST, now=NOW)
    checkpoint = create_checkpoint(engine, key, now=NOW)
    leaves = [leaf_hash(e.hash) for e in events_after(engine, 0, limit=1000)]
    with engine.connect() as conn:
        for chunk in (1, 2, 4, 8, 1 << 14):
            prover = proofs.ChunkedProver(conn, checkpoint, chunk=chunk)
            for index in range(len(leaves)):
                assert [bytes.fromhex(n) for n in prover.proof(index + 1, "").audit_path] == merkle.inclusion_proof(
                    index, leaves)
    engine.dispose()


def _grow(engine: Engine, *, cases: int, each: int, start: int) -> None:
    for number in range(start, start + cases):
        opened = {"type": "case_opened", "occurred_at": "2026-06-01",
                  "data": {"loan_id": f"L-{number}", "borrower_ref": f"B-{number}", "property_state": "NY"}}
        notes = [{"type": "note_added", "occurred_at": "2026-06-02", "data": {"text": f"note {i}"}}
                 for i in range(each - 1)]
        append(engine, f"P-{number:05d}", [opened, *notes], expected_version=0, actor=SPECIALIST,
               now=NOW - timedelta(days=30) + timedelta(seconds=number))


def _peak(log: Log) -> int:
    tracemalloc.start()
    size = 0
    scope = PortfolioScope(recorded_from=date(2026, 1, 1), recorded_to=date(2026, 7, 10))
    for block in export_portfolio(log.engine, scope, ExportRequest(key=log.key, now=NOW, actor=EXAMINER)):
        size += len(block)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert size > 0
    return peak


def test_portfolio_memory_does_not_grow_with_the_portfolio(export_log: Log, monkeypatch: pytest.MonkeyPatch) -> None:
    # Small pages and chunks, so that both sizes span many of them; then 4x the events must not cost 4x memory.
    monkeypatch.setattr(portfolio_scope, "PAGE", 200)
    monkeypatch.setattr(proofs, "CHUNK", 256)
    _grow(export_log.engine, cases=20, each=50, start=0)
    _peak(export_log)  # warm-up: first-use caches (calendars, compiled SQL) are not the export's memory
    small = _peak(export_log)
    _grow(export_log.engine, cases=60, each=50, start=20)
    large = _peak(export_log)
    assert large < small * 1.5, f"peak {small} bytes for ~1,000 events, {large} bytes for ~4,000"


def test_a_date_range_takes_the_cases_touched_on_its_days_edges_included(store_engine: Engine) -> None:
    # The range is found as positions (recorded_at is monotone along them), not through an index on recorded_at.
    def opened(case: str) -> dict[str, Any]:
        return {"type": "case_opened", "occurred_at": "2026-07-01",
                "data": {"loan_id": f"L-{case}", "borrower_ref": f"B-{case}", "property_state": "NY"}}

    note = {"type": "note_added", "occurred_at": "2026-07-02", "data": {"text": "called"}}
    tick = timedelta(microseconds=1)
    for case, at, version in [("A", datetime(2026, 8, 1, tzinfo=UTC) - tick, 0),  # just before the first day
                              ("B", datetime(2026, 7, 31, 20, tzinfo=UTC), 0),
                              ("B", datetime(2026, 8, 1, tzinfo=UTC), 1),  # first instant of the range
                              ("C", datetime(2026, 8, 3, tzinfo=UTC) - tick, 0),  # last instant of the range
                              ("D", datetime(2026, 8, 3, tzinfo=UTC), 0),  # just after it
                              ("A", datetime(2026, 8, 4, tzinfo=UTC), 1)]:
        append(store_engine, case, [note] if version else [opened(case)], expected_version=version,
               actor=SPECIALIST, now=at)
    scope = PortfolioScope(recorded_from=date(2026, 8, 1), recorded_to=date(2026, 8, 2))
    with store_engine.connect() as conn:
        rows = [row for page in scoped_event_rows(conn, scope, upto=10**9) for row in page]
        cases = [(case_id, [e.version for e in stored]) for case_id, stored in scoped_cases(conn, scope, upto=10**9)]
        nothing = PortfolioScope(recorded_from=date(2026, 9, 1), recorded_to=date(2026, 9, 30))
        assert list(scoped_event_rows(conn, nothing, upto=10**9)) == []
    assert sorted({row[2] for row in rows}) == ["B", "C"] and len(rows) == 3  # B whole (both events), C
    assert cases == [("B", [1, 2]), ("C", [1])]

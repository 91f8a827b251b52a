"""The case bundle: its files and their contents, golden determinism, a fresh checkpoint, and redaction."""

from __future__ import annotations

import csv
import io
import json
import shutil
import subprocess
import zipfile
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine

from audit.errors import CaseNotFound
from audit.export import verifier
from audit.export.bundle import ExportRequest, export_case, write_case_bundle
from audit.export.csv_columns import CLOCK_COLUMNS, CONTACT_COLUMNS, EVENT_COLUMNS
from audit.export.manifest import export_time, rulebook_version
from audit.export.portfolio import export_portfolio
from audit.export.portfolio_scope import PortfolioScope
from audit.reads import case_events
from audit.signing import load_or_create_key, public_key_pem
from audit.store import append
from compliance.evaluation import Readings
from tests.audit.test_export_cases import EXAMINER, NOW, SECRETS, SPECIALIST, Log, build_log, fresh_log


@pytest.fixture
def export_log(tmp_path: Path) -> Iterator[Log]:
    with fresh_log(tmp_path) as log:
        yield log


ORDER = ["events.jsonl", "events.csv", "clocks.json", "clocks.csv", "contacts.csv", "report.pdf", "verify.py",
         "README.txt", "manifest.json", "manifest.sig"]


def unzip(bundle: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(bundle)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def rows(content: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(content.decode("utf-8"))))


def test_the_bundle_holds_every_file_in_a_fixed_order(export_log: Log) -> None:
    bundle = export_case(export_log.engine, "C-1", key=export_log.key, now=NOW, actor=EXAMINER)
    with zipfile.ZipFile(io.BytesIO(bundle)) as archive:
        assert archive.namelist() == ORDER
        assert {info.date_time for info in archive.infolist()} == {(1980, 1, 1, 0, 0, 0)}


def test_events_are_complete_envelopes_in_version_order(export_log: Log) -> None:
    files = unzip(export_case(export_log.engine, "C-1", key=export_log.key, now=NOW, actor=EXAMINER))
    lines = [json.loads(line) for line in files["events.jsonl"].splitlines()]
    stored = case_events(export_log.engine, "C-1")
    assert [line["version"] for line in lines] == list(range(1, len(stored) + 1))
    assert lines[0] == {**stored[0].to_json(), "salt": stored[0].salt}
    assert lines[1]["prev_hash"] != lines[0]["hash"]  # the chain runs through C-2's event in between
    table = rows(files["events.csv"])
    assert list(table[0]) == list(EVENT_COLUMNS) and len(table) == len(lines)
    assert table[2]["legal_date"] == "2026-02-01" and json.loads(table[2]["data"]) == {"due_date": "2026-02-01"}


def test_clocks_carry_citations_derivations_and_breaches(export_log: Log) -> None:
    files = unzip(export_case(export_log.engine, "C-1", key=export_log.key, now=NOW, actor=EXAMINER))
    timeline = json.loads(files["clocks.json"])
    assert timeline["as_of"] == "2026-07-10" and timeline["calendar"] == "us-6103a"
    ack = next(c for c in timeline["clocks"] if c["rule"] == "lm_ack_notice")
    assert ack["citation"] == "12 CFR 1024.41(b)(2)(i)(B)" and ack["due"] == "2026-06-08" and ack["derivation"]
    written = next(c for c in timeline["clocks"] if c["rule"] == "ei_written_notice")
    assert written["breaches"][0]["acknowledged_by"] == "m-1"
    table = rows(files["clocks.csv"])
    assert list(table[0]) == list(CLOCK_COLUMNS) and len(table) == len(timeline["clocks"])
    row = next(r for r in table if r["rule"] == "ei_written_notice")
    assert row["breach_detected_by"] == "system" and row["acknowledged_by"] == "m-1"
    contacts = rows(files["contacts.csv"])
    assert list(contacts[0]) == list(CONTACT_COLUMNS)
    assert contacts[0]["borrower_local"] == "2026-03-02T07:30:00-05:00"
    assert "before 8:00 a.m." in contacts[0]["finding_contact_inconvenient_time"]


def test_the_manifest_names_everything_an_examiner_needs(export_log: Log) -> None:
    files = unzip(export_case(export_log.engine, "C-1", key=export_log.key, now=NOW, actor=EXAMINER))
    manifest = json.loads(files["manifest.json"])
    assert set(manifest["files"]) == set(ORDER) - {"manifest.json", "manifest.sig"}
    assert manifest["rulebook_version"] == rulebook_version() and manifest["generator"]["version"]
    assert (manifest["calendar"], manifest["time_zone"]) == ("us-6103a", "America/New_York")
    assert manifest["exported_at"] == export_time(NOW) and manifest["requested_by"] == {"id": "examiner-1",
                                                                                      "role": "examiner"}
    assert manifest["public_key_pem"] == public_key_pem(export_log.key)
    assert [p["position"] for p in manifest["proofs"]] == [e.position for e in case_events(export_log.engine, "C-1")]
    assert manifest["redaction"] == {"applied": False}
    assert manifest["readings"] == {"regf_scope": "debt_collector_only",
                                    "live_contact_satisfied_by": "attempt_or_contact"}


def test_the_manifest_states_the_readings_the_clocks_were_judged_under(export_log: Log) -> None:
    readings = Readings(regf_scope="all_loans", live_contact_satisfied_by="live_contact_only")
    files = unzip(export_case(export_log.engine, "C-1", key=export_log.key, now=NOW, actor=EXAMINER, readings=readings))
    assert json.loads(files["manifest.json"])["readings"] == {"regf_scope": "all_loans",
                                                             "live_contact_satisfied_by": "live_contact_only"}


def test_a_fresh_checkpoint_covers_events_recorded_just_before_the_export(export_log: Log) -> None:
    first = json.loads(unzip(export_case(export_log.engine, "C-1", key=export_log.key, now=NOW,
                                         actor=EXAMINER))["manifest.json"])
    append(export_log.engine, "C-1", [{"type": "note_added", "occurred_at": "2026-07-10", "data": {"text": "x"}}],
           expected_version=None, actor=SPECIALIST, now=NOW + timedelta(minutes=1))
    second = json.loads(unzip(export_case(export_log.engine, "C-1", key=export_log.key, now=NOW + timedelta(minutes=2),
                                          actor=EXAMINER))["manifest.json"])
    assert second["checkpoint"]["tree_size"] == first["checkpoint"]["tree_size"] + 1
    assert second["events"]["count"] == first["events"]["count"] + 1


def test_golden_bundle_is_byte_identical_apart_from_the_export_time(export_log: Log) -> None:
    def bundle(when: timedelta) -> bytes:
        return export_case(export_log.engine, "C-1", key=export_log.key, now=NOW + when, actor=EXAMINER)

    assert bundle(timedelta(0)) == bundle(timedelta(0))
    early, late = unzip(bundle(timedelta(0))), unzip(bundle(timedelta(hours=2, seconds=7)))
    assert set(early) == set(late)
    differing = {name for name in early if early[name] != late[name]}
    assert differing == {"manifest.json", "manifest.sig", "report.pdf"}
    # The only differences: the export time (printed in the report, stated in the manifest) and hence the
    # report's hash in the manifest, and the manifest's signature.
    masks = [(export_time(NOW + d).encode(), b"<export time>") for d in (timedelta(0), timedelta(hours=2, seconds=7))]
    pdfs = []
    for content in (early["report.pdf"], late["report.pdf"]):
        for text, mask in masks:
            content = content.replace(text, mask)
        pdfs.append(content)
    assert pdfs[0] == pdfs[1]
    manifests = [json.loads(files["manifest.json"]) for files in (early, late)]
    for manifest in manifests:
        del manifest["exported_at"], manifest["files"]["report.pdf"]["sha256"]
    assert manifests[0] == manifests[1]


def test_a_directory_export_holds_the_same_files_as_the_zip(export_log: Log, tmp_path: Path) -> None:
    request = ExportRequest(key=export_log.key, now=NOW, actor=EXAMINER)
    folder = write_case_bundle(export_log.engine, "C-1", tmp_path / "out", request=request)
    archive = write_case_bundle(export_log.engine, "C-1", tmp_path / "out.zip", request=request)
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == unzip(archive.read_bytes())


def test_an_unknown_case_is_refused(export_log: Log) -> None:
    with pytest.raises(CaseNotFound):
        export_case(export_log.engine, "C-404", key=export_log.key, now=NOW, actor=EXAMINER)


def test_a_redacted_bundle_carries_no_borrower_reference_or_free_text(export_log: Log, tmp_path: Path) -> None:
    files = unzip(export_case(export_log.engine, "C-1", key=export_log.key, now=NOW, actor=EXAMINER, redact=True))
    texts = {name: content for name, content in files.items() if name != "verify.py"}
    if shutil.which("pdftotext"):
        (tmp_path / "report.pdf").write_bytes(files["report.pdf"])
        texts["report text"] = subprocess.run(["pdftotext", "-layout", str(tmp_path / "report.pdf"), "-"],
                                              capture_output=True, check=True).stdout
    leaks = {(name, secret) for name, content in texts.items() for secret in SECRETS if secret.encode() in content}
    assert not leaks
    manifest = json.loads(files["manifest.json"])
    assert manifest["redaction"]["applied"] is True
    assert {w["pointer"] for w in manifest["redaction"]["withheld"]} == {"/data/borrower_ref", "/data/summary",
                                                                          "/data/text", "/data/reason"}
    opened = json.loads(files["events.jsonl"].splitlines()[0])
    assert "salt" not in opened and opened["data"]["borrower_ref"].startswith("borrower-")
    assert list(opened["commitments"]) == ["/data/borrower_ref"]


def test_case_and_portfolio_exports_verify_on_every_backend(store_engine: Engine, tmp_path: Path) -> None:
    key = load_or_create_key(tmp_path / "key.pem")
    build_log(store_engine, key)
    (tmp_path / "case.zip").write_bytes(export_case(store_engine, "C-1", key=key, now=NOW, actor=EXAMINER))
    scope = PortfolioScope(recorded_from=date(2026, 1, 1), recorded_to=date(2026, 7, 10))
    request = ExportRequest(key=key, now=NOW, actor=EXAMINER, redact=True)
    (tmp_path / "portfolio.zip").write_bytes(b"".join(export_portfolio(store_engine, scope, request)))
    for name in ("case.zip", "portfolio.zip"):
        report = verifier.verify_bundle(tmp_path / name)
        assert report.verdict() == "VERIFIED", report.problems

"""The case bundle: export_case(...) -> zip bytes, write_case_bundle(...) -> a .zip file or a directory."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict
from datetime import date, datetime
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import Engine

from audit.checkpoints import Checkpoint, InclusionProof, LogTree, create_checkpoint, inclusion_proofs_for_case
from audit.errors import CaseNotFound
from audit.export.case_material import gather_case
from audit.export.case_record import CaseRecord, build_record, legal_day
from audit.export.csv_columns import (
    CLOCK_COLUMNS,
    CONTACT_COLUMNS,
    EVENT_COLUMNS,
    clock_row,
    contact_row,
    csv_lines,
    event_row,
)
from audit.export.event_lines import dumps_line
from audit.export.manifest import (
    build_manifest,
    export_time,
    generator_version,
    manifest_bytes,
    manifest_signature,
    rulebook_version,
)
from audit.export.pdf_report import ReportFacts, render_report
from audit.export.redaction import Redactor
from audit.export.report_sections import chart_events, chart_lanes
from audit.export.request import ExportRequest, readme, redaction_context, verifier_source
from audit.export.self_check import self_check
from audit.export.timeline_chart import render_timeline
from audit.export.zipstream import FileDigests, zip_stream
from audit.reads import case_events
from audit.store import Actor
from compliance.evaluation import Readings
from timelines.calendar import DEFAULT_POLICY


def case_files(engine: Engine, case_id: str, request: ExportRequest) -> dict[str, bytes]:
    """Every file of the case bundle, in archive order, the manifest and its signature last."""
    # A fresh checkpoint first, so that every event of the case recorded so far is covered by a signed root.
    checkpoint = create_checkpoint(engine, request.key, now=request.now, tree=request.tree)
    stored = [e for e in case_events(engine, case_id) if e.position <= checkpoint.tree_size]
    if not stored:
        raise CaseNotFound(case_id)
    proofs = inclusion_proofs_for_case(engine, case_id, checkpoint.tree_size)
    material = gather_case(stored, now=request.now, calendar=request.calendar, as_of=request.as_of,
                           readings=request.readings)
    redactor = request.redactor()
    record = build_record(material, redactor)
    verification = self_check(record.lines, proofs, checkpoint, request.key)
    files = data_files(record)
    files["report.pdf"] = report(record, request, checkpoint, verification)
    files["verify.py"], files["README.txt"] = verifier_source(), readme()
    manifest = build_manifest(
        kind="case", scope={"case_id": case_id}, now=request.now, actor=request.actor, checkpoint=checkpoint,
        key=request.key, files={name: _digest(content) for name, content in files.items()},
        events=_event_summary(record),
        context=_case_context(record, request.readings, proofs, redactor, verification),
    )
    files["manifest.json"] = manifest_bytes(manifest)
    files["manifest.sig"] = manifest_signature(request.key, files["manifest.json"])
    return files


def data_files(record: CaseRecord) -> dict[str, bytes]:
    """events.jsonl, events.csv, clocks.json, clocks.csv and contacts.csv of one case."""
    rows = [event_row(line, **dict(zip(("legal_date", "late"), legal_day(line, record.timezone), strict=True)))
            for line in record.lines]
    return {
        "events.jsonl": b"".join(dumps_line(line) for line in record.lines),
        "events.csv": b"".join(csv_lines(EVENT_COLUMNS, rows)),
        "clocks.json": (json.dumps(record.clocks_json(), sort_keys=True, indent=2, ensure_ascii=False) + "\n").encode(),
        "clocks.csv": b"".join(csv_lines(CLOCK_COLUMNS, [clock_row(record.case_id, c) for c in record.clocks])),
        "contacts.csv": b"".join(csv_lines(CONTACT_COLUMNS, [contact_row(record.case_id, c) for c in record.contacts])),
    }


def report(record: CaseRecord, request: ExportRequest, checkpoint: Checkpoint, verification: list[str]) -> bytes:
    """report.pdf of the case."""
    facts = ReportFacts(
        exported_at=export_time(request.now), requested_by=f"{request.actor.id} ({request.actor.role})",
        rulebook_version=rulebook_version(), generator_version=generator_version(),
        checkpoint=checkpoint.to_json(), verification=verification, redacted=request.redact,
    )
    chart = render_timeline(chart_events(record), chart_lanes(record), as_of=date.fromisoformat(record.as_of))
    return render_report(record, facts, chart)


def _digest(content: bytes) -> dict[str, Any]:
    return {"sha256": hashlib.sha256(content).hexdigest(), "bytes": len(content)}


def _event_summary(record: CaseRecord) -> dict[str, Any]:
    return {"file": "events.jsonl", "count": len(record.lines), "first_position": record.lines[0]["position"],
            "last_position": record.lines[-1]["position"], "last_version": record.lines[-1]["version"]}


def _case_context(
    record: CaseRecord, readings: Readings, proofs: list[InclusionProof], redactor: Redactor | None,
    verification: list[str],
) -> dict[str, Any]:
    # The readings change which clocks apply (rulebook section 9), so an examiner needs them to reproduce a date.
    return {"calendar": record.calendar, "readings": asdict(readings), "time_zone": record.timezone,
            "as_of": record.as_of,
            "proofs": [proof.to_json() for proof in proofs], "redaction": redaction_context(redactor),
            "self_check": verification}


def zip_files(files: dict[str, bytes]) -> bytes:
    """The deterministic zip of the given files, in their order."""
    return b"".join(zip_stream(((name, [content]) for name, content in files.items()), FileDigests()))


def export_case(
    engine: Engine, case_id: str, *, key: Ed25519PrivateKey, now: datetime, actor: Actor, redact: bool = False,
    calendar: str | None = None, as_of: date | None = None, tree: LogTree | None = None,
    redaction_key: bytes | None = None, readings: Readings | None = None,
) -> bytes:
    """The case bundle as zip bytes (CaseNotFound when the case has no event)."""
    request = ExportRequest(key=key, now=now, actor=actor, redact=redact, calendar=calendar or DEFAULT_POLICY,
                            as_of=as_of, tree=tree, redaction_key=redaction_key,
                            readings=readings or Readings())
    return zip_files(case_files(engine, case_id, request))


def write_case_bundle(engine: Engine, case_id: str, out: Path, *, request: ExportRequest) -> Path:
    """Write the bundle to `out`: a zip file when it ends in .zip, else a directory of the files."""
    files = case_files(engine, case_id, request)
    if out.suffix.lower() == ".zip":
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(zip_files(files))
        return out
    out.mkdir(parents=True, exist_ok=True)
    for name, content in files.items():
        (out / name).write_bytes(content)
    return out

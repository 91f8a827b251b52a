"""Portfolio exports streamed in bounded memory: events, proofs, clocks, contacts and the data tape in one zip.

One pass over the scope's events in position order writes events.jsonl straight into the archive, and
events.csv and proofs.jsonl into temporary files (disk, not memory) that are copied in after it; one pass over
the scope's cases does the same for clocks.jsonl, clocks.csv, contacts.csv and loans.csv. Memory is one page of
events, one case, one chunk of the Merkle tree and the zip spool, whatever the portfolio's size.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field, replace
from typing import Any

import structlog
from sqlalchemy import Connection, Engine

from audit.checkpoints import Checkpoint, create_checkpoint
from audit.export.case_material import gather_case
from audit.export.case_record import build_record
from audit.export.csv_columns import CLOCK_COLUMNS, CONTACT_COLUMNS, EVENT_COLUMNS, clock_row, contact_row, csv_lines
from audit.export.event_lines import dumps_line
from audit.export.event_pages import HASH, POSITION, csv_page, jsonl_page, redacted_page
from audit.export.manifest import build_manifest, manifest_bytes, manifest_signature
from audit.export.portfolio_scope import CaseZones, PortfolioScope, scoped_cases, scoped_event_rows
from audit.export.proofs import ChunkedProver
from audit.export.request import ExportRequest, readme, redaction_context, verifier_source
from audit.export.tape import TAPE_COLUMNS, tape_row
from audit.export.zipstream import BLOCK, FileDigests, zip_stream

log = structlog.get_logger()
SIDE_FILES = {"events.csv": EVENT_COLUMNS, "proofs.jsonl": (), "clocks.csv": CLOCK_COLUMNS,
              "contacts.csv": CONTACT_COLUMNS, "loans.csv": TAPE_COLUMNS}


class SideFile:
    """A temporary file filled while another entry streams, then copied into the archive block by block."""

    def __init__(self, columns: tuple[str, ...]) -> None:
        self.handle = tempfile.TemporaryFile()  # noqa: SIM115 - closed by chunks()
        if columns:
            self.write(csv_lines(columns, []))

    def write(self, chunks: Iterable[bytes]) -> None:
        """Append bytes."""
        for chunk in chunks:
            self.handle.write(chunk)

    def chunks(self) -> Iterator[bytes]:
        """Everything written, from the start; the file is gone afterwards."""
        self.handle.seek(0)
        try:
            while block := self.handle.read(BLOCK):
                yield block
        finally:
            self.handle.close()


@dataclass
class Tally:
    """What the passes saw: counted as they stream, written into the manifest at the end."""

    events: int = 0
    first_position: int | None = None
    last_position: int | None = None
    cases: int = 0
    failed: list[dict[str, str]] = field(default_factory=list)


def _event_lines(conn: Connection, scope: PortfolioScope, request: ExportRequest, prover: ChunkedProver,
                 side: dict[str, SideFile], tally: Tally) -> Iterator[bytes]:
    zones_of = CaseZones(conn)
    for rows in scoped_event_rows(conn, scope, upto=prover.size):
        zones = zones_of.page(rows)
        redactor = request.redactor()  # the export's key: pseudonyms agree across pages and cases
        if redactor is None:
            yield jsonl_page(rows)
            side["events.csv"].write([csv_page(rows, zones)])
        else:
            lines, cells = redacted_page(rows, zones, redactor)
            yield lines
            side["events.csv"].write([cells])
        side["proofs.jsonl"].write([prover.proof_lines((row[POSITION], row[HASH]) for row in rows)])
        tally.events += len(rows)
        tally.first_position = tally.first_position or rows[0][POSITION]
        tally.last_position = rows[-1][POSITION]


def _clock_lines(conn: Connection, scope: PortfolioScope, request: ExportRequest, checkpoint: Checkpoint,
                 side: dict[str, SideFile], tally: Tally) -> Iterator[bytes]:
    for case_id, stored in scoped_cases(conn, scope, upto=checkpoint.tree_size):
        tally.cases += 1
        try:
            material = gather_case(stored, now=request.now, calendar=request.calendar, as_of=request.as_of,
                                   readings=request.readings)
        except Exception as exc:  # noqa: BLE001 - one case the engine cannot compute must not stop the export
            log.error("export_case_failed", case_id=case_id, error=type(exc).__name__)
            tally.failed.append({"case_id": case_id, "error": type(exc).__name__})
            continue
        record = build_record(material, request.redactor())
        for clock in record.clocks:
            yield dumps_line({"case_id": case_id, "as_of": record.as_of, "calendar": record.calendar, **clock})
        side["clocks.csv"].write(csv_lines(CLOCK_COLUMNS, [clock_row(case_id, c) for c in record.clocks],
                                           header=False))
        side["contacts.csv"].write(csv_lines(CONTACT_COLUMNS, [contact_row(case_id, c) for c in record.contacts],
                                             header=False))
        side["loans.csv"].write(csv_lines(TAPE_COLUMNS, [tape_row(material)], header=False))


def _context(request: ExportRequest, tally: Tally) -> dict[str, Any]:
    redaction = redaction_context(request.redactor())
    if redaction["applied"]:
        redaction["withheld"] = "each redacted event lists its withheld pointers under `commitments` in events.jsonl"
    as_of = str(request.as_of) if request.as_of else "each case's local date at the export time"
    return {"calendar": request.calendar, "readings": asdict(request.readings), "as_of": as_of,
            "time_zone": "each case's own (case_opened.timezone)", "proofs_file": "proofs.jsonl",
            "redaction": redaction, "cases": tally.cases, "cases_failed": tally.failed}


def _entries(engine: Engine, scope: PortfolioScope, request: ExportRequest, checkpoint: Checkpoint,
             digests: FileDigests) -> Iterator[tuple[str, Iterable[bytes]]]:
    with engine.connect() as conn:
        tally, side = Tally(), {name: SideFile(columns) for name, columns in SIDE_FILES.items()}
        yield "events.jsonl", _event_lines(conn, scope, request, ChunkedProver(conn, checkpoint), side, tally)
        yield "events.csv", side["events.csv"].chunks()
        yield "proofs.jsonl", side["proofs.jsonl"].chunks()
        yield "clocks.jsonl", _clock_lines(conn, scope, request, checkpoint, side, tally)
        for name in ("clocks.csv", "contacts.csv", "loans.csv"):
            yield name, side[name].chunks()
    yield "verify.py", [verifier_source()]
    yield "README.txt", [readme()]
    events = {"file": "events.jsonl", "count": tally.events, "first_position": tally.first_position,
              "last_position": tally.last_position}
    manifest = manifest_bytes(build_manifest(
        kind="portfolio", scope=scope.to_json(), now=request.now, actor=request.actor, checkpoint=checkpoint,
        key=request.key, files=digests.files, events=events, context=_context(request, tally),
    ))
    yield "manifest.json", [manifest]
    yield "manifest.sig", [manifest_signature(request.key, manifest)]


def export_portfolio(engine: Engine, scope: PortfolioScope, request: ExportRequest) -> Iterator[bytes]:
    """The portfolio zip, streamed block by block (checkpoint first, so every exported event is provable)."""
    if request.redact and request.redaction_key is None:
        request = replace(request, redaction_key=os.urandom(32))  # one key for the whole export
    checkpoint = create_checkpoint(engine, request.key, now=request.now, tree=request.tree)
    digests = FileDigests()
    yield from zip_stream(_entries(engine, scope, request, checkpoint, digests), digests)

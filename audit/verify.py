"""`compliance verify`: recompute the whole hash chain, the Merkle roots and every signed checkpoint."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from sqlalchemy import Connection, Engine, Row, select

from audit import merkle
from audit.canonical import HASHED_FIELDS, event_hash, leaf_hash
from audit.checkpoints import Checkpoint, all_checkpoints
from audit.database import connect
from audit.schema import GENESIS_HASH, events, log_head
from audit.signing import key_id, verify_signature

PAGE = 2_000  # whole rows per query: memory stays flat however long the log is
MAX_PER_KIND = 100  # a rewritten tail would otherwise report every later row; the rest are counted

# What each finding means (docs/tamper-evidence.md explains them in full).
FINDING_KINDS: Mapping[str, str] = {
    "modified": "the event's content no longer hashes to its stored hash: edited after it was recorded",
    "chain_break": "prev_hash is not the hash of the event before: an event was inserted, deleted or moved",
    "position_gap": "positions are missing from the log: events were deleted",
    "version_order": "a case's versions are not 1, 2, 3 ... in log order: events deleted, duplicated or reordered",
    "time_order": "recorded_at runs backwards along positions: events were reordered or back-dated",
    "malformed": "a stored row cannot be read or hashed at all",
    "head_mismatch": "the log head does not name the last event: tail truncated or rows added outside the store",
    "checkpoint_root": "the events a checkpoint signed no longer have its Merkle root: rewritten after signing",
    "checkpoint_head": "the event at a checkpoint's size no longer has the chain hash it signed",
    "checkpoint_signature": "a checkpoint's signature is not valid under the public key: forged or altered",
    "truncated": "a checkpoint signed more events than the log now holds: the tail was cut after it",
    "checkpoint_missing": "a checkpoint held outside the database is absent from it or differs: deleted or replaced",
}


@dataclass(frozen=True)
class Finding:
    """One problem found: where (log position, when one applies), what kind, and why in plain words."""

    position: int | None
    kind: str
    reason: str

    def to_json(self) -> dict[str, Any]:
        """Plain JSON values."""
        return asdict(self)


@dataclass
class VerificationReport:
    """The verdict of a verification run: ok only when there is no finding at all."""

    ok: bool
    events_checked: int
    checkpoints_checked: int
    findings: list[Finding] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        """Plain JSON values (what `compliance verify --json` prints)."""
        return {
            "ok": self.ok, "events_checked": self.events_checked,
            "checkpoints_checked": self.checkpoints_checked, "findings": [f.to_json() for f in self.findings],
        }

    def summary(self) -> str:
        """A plain-text verdict, one finding per line."""
        verdict = "OK" if self.ok else f"FAILED: {len(self.findings)} finding(s)"
        lines = [f"{verdict} - {self.events_checked} events, {self.checkpoints_checked} checkpoints checked"]
        for finding in self.findings:
            where = f"position {finding.position}" if finding.position is not None else "log"
            lines.append(f"  {finding.kind} at {where}: {finding.reason}")
        return "\n".join(lines)


class _Findings:
    """Findings collected in order, at most MAX_PER_KIND of each kind kept (the rest counted)."""

    def __init__(self) -> None:
        self.kept: list[Finding] = []
        self.counts: dict[str, int] = {}

    def add(self, position: int | None, kind: str, reason: str) -> None:
        self.counts[kind] = self.counts.get(kind, 0) + 1
        if self.counts[kind] <= MAX_PER_KIND:
            self.kept.append(Finding(position, kind, reason))

    def all(self) -> list[Finding]:
        more = [
            Finding(None, kind, f"... and {count - MAX_PER_KIND} more findings of this kind")
            for kind, count in self.counts.items()
            if count > MAX_PER_KIND
        ]
        return self.kept + more


def stored_envelope(row: Row[Any] | Mapping[str, Any]) -> dict[str, Any]:
    """The envelope event_hash takes, from a stored events row (data parsed from its canonical text)."""
    values = row._mapping if isinstance(row, Row) else row
    envelope = {name: values[name] for name in HASHED_FIELDS}
    envelope["data"] = json.loads(values["data"])
    envelope["salt"] = values["salt"]
    return envelope


def _rows(conn: Connection, *, page: int) -> Iterator[Row[Any]]:
    """Every event row in position order, read in keyset pages."""
    after = None
    while True:
        query = select(events).order_by(events.c.position).limit(page)
        if after is not None:
            query = query.where(events.c.position > after)
        rows = conn.execute(query).all()
        yield from rows
        if len(rows) < page:
            return
        after = rows[-1].position


class _ChainWalk:
    """State carried along the log in position order: last hashes, case versions, the growing tree."""

    def __init__(self, findings: _Findings, checkpoint_sizes: set[int]) -> None:
        self.findings = findings
        self.sizes = checkpoint_sizes
        self.count = 0
        self.last_position = 0
        self.last_hash = self.before_last_hash = GENESIS_HASH
        self.last_recorded = ""
        self.versions: dict[str, int] = {}
        self.tree = merkle.CompactRange()
        self.at_size: dict[int, tuple[str, str]] = {}  # tree size -> (recomputed root, stored hash there)

    def visit(self, row: Row[Any]) -> None:
        """Check one row against the one before it, then add it to the tree."""
        self._position(row.position)
        self._chain(row)
        self._content(row)
        self._version(row)
        if row.recorded_at < self.last_recorded:
            self.findings.add(
                row.position, "time_order",
                f"recorded {row.recorded_at}, before position {self.last_position} ({self.last_recorded})",
            )
        self.tree.append(leaf_hash(row.hash) if len(row.hash) == 64 else bytes(32))
        self.count += 1
        if self.count in self.sizes:
            self.at_size[self.count] = (self.tree.root().hex(), row.hash)
        self.before_last_hash, self.last_hash = self.last_hash, row.hash
        self.last_position, self.last_recorded = row.position, row.recorded_at

    def _position(self, position: int) -> None:
        expected = self.last_position + 1
        if position != expected:
            gone = f"positions {expected}..{position - 1} are" if position > expected + 1 else f"position {expected} is"
            self.findings.add(expected, "position_gap", f"{gone} missing: deleted from the log")

    def _chain(self, row: Row[Any]) -> None:
        if row.prev_hash == self.last_hash:
            return
        hint = (
            f"it links to position {self.last_position - 1}, skipping {self.last_position}: "
            f"position {self.last_position} was inserted or moved"
            if self.last_position and row.prev_hash == self.before_last_hash
            else "an event before it was inserted, deleted, moved or rewritten"
        )
        self.findings.add(
            row.position, "chain_break",
            f"prev_hash {row.prev_hash[:16]}... is not the hash of the event before ({self.last_hash[:16]}...); {hint}",
        )

    def _content(self, row: Row[Any]) -> None:
        try:
            recomputed = event_hash(row.prev_hash, stored_envelope(row))
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            self.findings.add(row.position, "malformed", f"cannot be hashed: {exc.__class__.__name__}: {exc}")
            return
        if recomputed != row.hash:
            self.findings.add(
                row.position, "modified",
                f"event {row.id} hashes to {recomputed[:16]}... but its stored hash is {row.hash[:16]}...: "
                "edited after it was recorded",
            )

    def _version(self, row: Row[Any]) -> None:
        last = self.versions.get(row.case_id, 0)
        if row.version != last + 1:
            why = (
                "duplicated or out of order" if row.version <= last
                else f"version(s) {last + 1}..{row.version - 1} missing"
            )
            self.findings.add(
                row.position, "version_order",
                f"case {row.case_id} version {row.version} follows version {last} ({why}: deleted or reordered)",
            )
        self.versions[row.case_id] = max(last, row.version)


def verify_log(
    target: Engine | Connection, public_key_pem: str, *, trusted: Sequence[Checkpoint] = (), page: int = PAGE
) -> VerificationReport:
    """Recompute every event hash, the chain, the log head and every checkpoint; report each finding.

    `trusted` are checkpoints kept outside the database (an earlier export, a published statement): they are
    checked like the stored ones and must also still be present in it, which exposes deleted checkpoints.
    """
    findings = _Findings()
    with connect(target) as conn:
        stored = all_checkpoints(conn)
        every = _merge_trusted(stored, trusted, findings)
        walk = _ChainWalk(findings, {c.tree_size for c in every})
        for row in _rows(conn, page=page):
            walk.visit(row)
        head = conn.execute(select(log_head.c.position, log_head.c.hash)).one()
    _check_head(walk, int(head.position), head.hash, findings)
    _check_checkpoints(walk, every, public_key_pem, findings)
    kept = findings.all()
    return VerificationReport(not kept, walk.count, len(every), kept)


def _merge_trusted(
    stored: Sequence[Checkpoint], trusted: Sequence[Checkpoint], findings: _Findings
) -> list[Checkpoint]:
    """Stored checkpoints plus the trusted ones the database no longer holds as they were signed."""
    by_size = {c.tree_size: c for c in stored}
    extra = []
    for checkpoint in trusted:
        if by_size.get(checkpoint.tree_size) != checkpoint:
            findings.add(
                checkpoint.tree_size, "checkpoint_missing",
                f"the checkpoint of {checkpoint.tree_size} events held outside the database "
                "is not stored in it as signed (deleted or replaced)",
            )
            extra.append(checkpoint)
    return sorted([*stored, *extra], key=lambda c: c.tree_size)


def _check_head(walk: _ChainWalk, position: int, chain_hash: str, findings: _Findings) -> None:
    if position != walk.last_position or chain_hash != walk.last_hash:
        findings.add(
            position, "head_mismatch",
            f"the log head names position {position} ({chain_hash[:16]}...) but the log ends at position "
            f"{walk.last_position} ({walk.last_hash[:16]}...)",
        )


def _check_checkpoints(
    walk: _ChainWalk, every: Sequence[Checkpoint], public_key_pem: str, findings: _Findings
) -> None:
    """Signature, truncation, root and head of each checkpoint, smallest first, bracketing any rewrite."""
    expected_key = key_id(public_key_pem)
    last_good = 0
    for checkpoint in every:
        size = checkpoint.tree_size
        if not verify_signature(public_key_pem, checkpoint.message(), checkpoint.signature):
            by = "" if checkpoint.key_id == expected_key else f" (it names key {checkpoint.key_id}, not {expected_key})"
            findings.add(size, "checkpoint_signature", f"the checkpoint of {size} events has a bad signature{by}")
        if size > walk.last_position:
            first = walk.last_position + 1
            findings.add(
                first, "truncated",
                f"a checkpoint signed {size} events but the log ends at position {walk.last_position}: "
                f"positions {first}..{size} were removed after it was signed",
            )
            continue
        if size not in walk.at_size:  # fewer rows than positions: some inside were deleted
            walk.at_size[size] = ("", "")
        root, head = walk.at_size[size]
        if root != checkpoint.root_hash:
            findings.add(
                last_good + 1, "checkpoint_root",
                f"the first {size} events no longer hash to the signed root: an event at positions "
                f"{last_good + 1}..{size} was changed, removed, inserted or reordered after it was signed",
            )
        elif head != checkpoint.head_hash:
            findings.add(size, "checkpoint_head", f"the event at position {size} is not the chain head signed")
        else:
            last_good = size

#!/usr/bin/env python3
"""Offline verifier of a lossmit-compliance examiner export: `python verify.py BUNDLE.zip|DIRECTORY`.

Needs only the Python standard library (3.9 or later). The Ed25519 signatures are checked with the
`cryptography` package when it is installed (`pip install cryptography`); without it every other check runs
and the verdict says the signatures were not checked. What is checked:
  1. each file's SHA-256 against manifest.json;
  2. each event's hash, recomputed from its envelope and prev_hash (RFC 8785 canonical JSON, salted
     commitments for sensitive fields, SHA-256 chain), and each case's versions 1, 2, 3 ... without gaps;
  3. each event's inclusion in the signed checkpoint (RFC 6962 Merkle audit paths);
  4. the checkpoint's and the manifest's signatures under the manifest's public key (or --public-key FILE).
It prints VERIFIED or FAILED: reason. Exit status: 0 verified, 1 failed, 2 verified but signatures unchecked.
Compare the key id it prints with the one the servicer publishes (`compliance public-key`).
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import hmac
import json
import math
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

FORMAT = "lossmit-compliance-export/1"
LOG_NAME = "lossmit-compliance"
GENESIS_HASH = "0" * 64
MANIFEST, SIGNATURE = "manifest.json", "manifest.sig"
MANIFEST_SIGNING_PREFIX = b"lossmit-compliance export manifest v1\n"  # never valid JSON: no confusion with checkpoints
HASHED_FIELDS = ("position", "id", "case_id", "version", "type", "schema_version", "occurred_at", "recorded_at",
                 "data", "idempotency_key")  # plus actor_id and actor_role, from the line's "actor"
SENSITIVE_FIELDS = {"case_opened": ("borrower_ref",), "contact_logged": ("summary",), "note_added": ("text",),
                    "entry_corrected": ("reason",), "entry_voided": ("reason",)}
REPLACEMENT_SENSITIVE = tuple(sorted({name for names in SENSITIVE_FIELDS.values() for name in names}))
MAX_SAFE_INT = 2**53 - 1
ED25519_SPKI_PREFIX = bytes.fromhex("302a300506032b6570032100")  # DER SubjectPublicKeyInfo header, Ed25519


class Problem(Exception):
    """A check that failed, in plain words."""


# --- 1. RFC 8785 canonical JSON: sorted keys (UTF-16 order), no whitespace, ECMAScript number form --------------

def canonical_json(value: Any) -> str:
    """The RFC 8785 text of a JSON value."""
    if value is None or isinstance(value, bool):
        return {None: "null", True: "true", False: "false"}[value]
    if isinstance(value, int):
        if abs(value) > MAX_SAFE_INT:
            raise Problem(f"the integer {value} is outside the IEEE-754 safe range (RFC 8785)")
        return str(value)
    if isinstance(value, float):
        return _es_number(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)  # same escapes as ECMAScript JSON.stringify
    if isinstance(value, (list, tuple)):
        return "[" + ",".join(canonical_json(item) for item in value) + "]"
    if isinstance(value, dict):
        keys = sorted(value, key=lambda key: key.encode("utf-16-be"))
        return "{" + ",".join(json.dumps(k, ensure_ascii=False) + ":" + canonical_json(value[k]) for k in keys) + "}"
    raise Problem(f"{value!r} is not a JSON value")


def _es_number(number: float) -> str:
    """ECMAScript Number::toString: the shortest round-trip digits (Python's repr), laid out as JavaScript does."""
    if not math.isfinite(number):
        raise Problem(f"{number} is not a JSON number")
    if number == 0:
        return "0"
    if number < 0:
        return "-" + _es_number(-number)
    mantissa, _, exponent = repr(number).partition("e")
    whole, _, fraction = mantissa.partition(".")
    digits = (whole + fraction).lstrip("0")
    n = int(exponent or 0) - len(fraction) + len(digits)  # number = 0.<digits> x 10^n
    s = digits.rstrip("0")
    k = len(s)
    if k <= n <= 21:
        return s + "0" * (n - k)
    if 0 < n <= 21:
        return s[:n] + "." + s[n:]
    if -6 < n <= 0:
        return "0." + "0" * -n + s
    return s[0] + ("." + s[1:] if k > 1 else "") + "e" + ("+" if n > 0 else "-") + str(abs(n - 1))


# --- 2. The event hash: salted commitments to sensitive fields, then SHA-256(prev_hash || canonical envelope) ----

def json_pointer(*parts: str) -> str:
    """RFC 6901 pointer, e.g. json_pointer("data", "summary") == "/data/summary"."""
    return "".join("/" + part.replace("~", "~0").replace("/", "~1") for part in parts)


def field_salt(event_salt: str, pointer: str) -> str:
    """Per-field salt: HMAC-SHA256(event salt, pointer), hex."""
    return hmac.new(bytes.fromhex(event_salt), pointer.encode("utf-8"), hashlib.sha256).hexdigest()


def commitment(salt: str, kind: str, pointer: str, value: Any) -> str:
    """SHA-256(field salt | type | pointer | canonical value), hex."""
    return hashlib.sha256(f"{salt}|{kind}|{pointer}|{canonical_json(value)}".encode()).hexdigest()


def sensitive_paths(kind: str, data: dict[str, Any]) -> Iterator[tuple[str, ...]]:
    """Paths inside `data` of the fields hashed as commitments (a correction's replacement: every such name)."""
    for name in SENSITIVE_FIELDS.get(kind, ()):
        if name in data:
            yield (name,)
    replacement = data.get("replacement") if kind == "entry_corrected" else None
    inner = replacement.get("data") if isinstance(replacement, dict) else None
    if isinstance(inner, dict):
        for name in REPLACEMENT_SENSITIVE:
            if name in inner:
                yield ("replacement", "data", name)


def _field_commitment(line: dict[str, Any], pointer: str, value: Any) -> str:
    """A withheld field's shipped commitment, else one computed from the event salt or the field's own salt."""
    if pointer in (line.get("commitments") or {}):
        return str(line["commitments"][pointer])
    salt = field_salt(line["salt"], pointer) if line.get("salt") else (line.get("field_salts") or {}).get(pointer)
    if not salt:
        raise Problem(f"no salt and no commitment for {pointer}")
    return commitment(salt, line["type"], pointer, value)


def hashable_envelope(line: dict[str, Any]) -> dict[str, Any]:
    """The exact object whose canonical JSON an event's hash covers."""
    envelope = {name: line[name] for name in HASHED_FIELDS}
    envelope["actor_id"], envelope["actor_role"] = line["actor"]["id"], line["actor"]["role"]
    data = json.loads(json.dumps(line["data"]))  # a deep copy, replaced field by field below
    for path in list(sensitive_paths(line["type"], data)):
        parent = data
        for part in path[:-1]:
            parent = parent[part]
        pointer = json_pointer("data", *path)
        parent[path[-1]] = {"$commit": _field_commitment(line, pointer, parent[path[-1]])}
    envelope["data"] = data
    return envelope


def event_hash(prev_hash: str, line: dict[str, Any]) -> str:
    """The chain hash: SHA-256(ASCII hex of prev_hash || canonical JSON of the hashable envelope), hex."""
    return hashlib.sha256(prev_hash.encode("ascii") + canonical_json(hashable_envelope(line)).encode()).hexdigest()


# --- 3. RFC 6962 / RFC 9162 inclusion proofs ----------------------------------------------------------------------

def leaf_hash(chain_hash: str) -> bytes:
    """SHA-256(0x00 || the 32 bytes of an event's chain hash)."""
    return hashlib.sha256(b"\x00" + bytes.fromhex(chain_hash)).digest()


def verify_inclusion(leaf: bytes, index: int, tree_size: int, path: list[bytes], root: bytes) -> bool:
    """RFC 9162 section 2.1.3.2: True when `path` leads from leaf `index` to `root` in a tree of `tree_size`."""
    if not 0 <= index < tree_size:
        return False
    fn, sn, node = index, tree_size - 1, leaf
    for sibling in path:
        if sn == 0 or len(sibling) != 32:
            return False
        if fn & 1 or fn == sn:
            node = hashlib.sha256(b"\x01" + sibling + node).digest()
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            node = hashlib.sha256(b"\x01" + node + sibling).digest()
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and node == root


# --- 4. Ed25519 keys and signatures ---------------------------------------------------------------------------------

def raw_public_key(pem: str) -> bytes:
    """The 32 raw bytes of an Ed25519 public key in PEM (SubjectPublicKeyInfo)."""
    body = "".join(line for line in pem.strip().splitlines() if not line.startswith("-----"))
    der = base64.b64decode(body)
    if len(der) != 44 or not der.startswith(ED25519_SPKI_PREFIX):
        raise Problem("the public key is not an Ed25519 key in PEM form")
    return der[12:]


def key_id(pem: str) -> str:
    """Key id: hex of the first 16 bytes of SHA-256 over the raw public key (as the service names its key)."""
    return hashlib.sha256(raw_public_key(pem)).digest()[:16].hex()


def signature_valid(pem: str, message: bytes, signature_hex: str) -> bool | None:
    """True/False for an Ed25519 signature; None when the `cryptography` package is not installed."""
    try:
        from cryptography.exceptions import InvalidSignature
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
    except ImportError:
        return None
    try:
        Ed25519PublicKey.from_public_bytes(raw_public_key(pem)).verify(bytes.fromhex(signature_hex), message)
    except (InvalidSignature, ValueError):
        return False
    return True


# --- 5. Reading a bundle (zip or directory) and the report ----------------------------------------------------------

class Bundle:
    """The files of an export, from a .zip or an extracted directory."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.zip = zipfile.ZipFile(path) if path.is_file() else None
        if self.zip is not None:
            self.names = sorted(info.filename for info in self.zip.infolist() if not info.is_dir())
        else:
            self.names = sorted(p.name for p in path.iterdir() if p.is_file())

    def open(self, name: str) -> IO[bytes]:
        """One file, opened for reading bytes."""
        if name not in self.names:
            raise Problem(f"{name} is missing from the bundle")
        return self.zip.open(name) if self.zip is not None else (self.path / name).open("rb")

    def read(self, name: str) -> bytes:
        """One whole (small) file."""
        with self.open(name) as handle:
            return handle.read()

    def lines(self, name: str) -> Iterator[tuple[int, Any]]:
        """(line number, parsed JSON) of a JSON Lines file, streamed."""
        with self.open(name) as handle:
            for number, raw in enumerate(handle, start=1):
                try:
                    yield number, json.loads(raw)
                except ValueError:
                    raise Problem(f"{name} line {number} is not JSON") from None


class Report:
    """Problems found (any means FAILED), facts checked, and checks that could not run."""

    def __init__(self) -> None:
        self.problems: list[str] = []
        self.facts: list[str] = []
        self.unchecked: list[str] = []

    def verdict(self) -> str:
        """VERIFIED, VERIFIED EXCEPT SIGNATURES: why, or FAILED: the first problem."""
        if self.problems:
            more = f" (and {len(self.problems) - 1} more problem(s) listed above)" if len(self.problems) > 1 else ""
            return f"FAILED: {self.problems[0]}{more}"
        if self.unchecked:
            return "VERIFIED EXCEPT SIGNATURES: " + "; ".join(self.unchecked)
        return "VERIFIED"

    def exit_code(self) -> int:
        """0 verified, 1 failed, 2 verified except the signatures (cryptography missing)."""
        return 1 if self.problems else 2 if self.unchecked else 0


# --- 6. The checks ----------------------------------------------------------------------------------------------------

def check_files(bundle: Bundle, manifest: dict[str, Any], report: Report) -> None:
    """Every file listed in the manifest is present with its SHA-256; unlisted files are noted."""
    listed = manifest.get("files") or {}
    for name in sorted(listed):
        digest = hashlib.sha256()
        try:
            with bundle.open(name) as handle:
                for block in iter(lambda h=handle: h.read(1 << 16), b""):
                    digest.update(block)
        except Problem as exc:
            report.problems.append(str(exc))
            continue
        if digest.hexdigest() != listed[name]["sha256"]:
            report.problems.append(f"{name}: its SHA-256 is not the one in manifest.json (the file was changed)")
    extra = [n for n in bundle.names if n not in listed and n not in (MANIFEST, SIGNATURE)]
    uncovered = f"; not covered by the manifest: {', '.join(extra)}" if extra else ""
    report.facts.append(f"files: {len(listed)} SHA-256 checked{uncovered}")


def check_signatures(bundle: Bundle, manifest: dict[str, Any], pem: str, report: Report) -> None:
    """The checkpoint's signature over its statement and the manifest's detached signature, under `pem`."""
    checkpoint = manifest["checkpoint"]
    kid = key_id(pem)
    if checkpoint.get("log") != LOG_NAME:
        report.problems.append(f"the checkpoint is of log {checkpoint.get('log')!r}, not {LOG_NAME!r}")
    if checkpoint["key_id"] != kid:
        report.problems.append(f"the checkpoint names key id {checkpoint['key_id']}, the public key is {kid}")
    statement = {name: checkpoint[name] for name in ("tree_size", "root_hash", "head_hash", "created_at")}
    message = canonical_json({"log": LOG_NAME, **statement}).encode()
    signed = json.loads(bundle.read(SIGNATURE))
    checks = (("checkpoint", message, checkpoint["signature"]),
              ("manifest", MANIFEST_SIGNING_PREFIX + bundle.read(MANIFEST), signed["signature"]))
    for what, payload, signature in checks:
        valid = signature_valid(pem, payload, signature)
        if valid is None:
            report.unchecked.append(f"the {what} signature was not checked (pip install cryptography)")
        elif not valid:
            report.problems.append(f"the {what} signature is not valid under the public key (key id {kid})")
    report.facts.append(f"public key: key id {kid}")


def proof_stream(bundle: Bundle, manifest: dict[str, Any]) -> Iterator[Any]:
    """The inclusion proofs in event order: in the manifest (a case) or in proofs.jsonl (a portfolio)."""
    if "proofs" in manifest:
        yield from manifest["proofs"]
    else:
        for _, proof in bundle.lines(manifest["proofs_file"]):
            yield proof


def check_proof(line: dict[str, Any], proof: Any, checkpoint: dict[str, Any], where: str) -> str | None:
    """Why an event's inclusion proof fails against the signed checkpoint, or None when it holds."""
    if proof is None:
        return f"{where}: no inclusion proof for this event"
    if proof.get("position") != line["position"] or proof.get("leaf_index") != line["position"] - 1:
        return f"{where}: the inclusion proof is for position {proof.get('position')}, not this event's"
    if proof.get("event_hash") != line["hash"]:
        return f"{where}: the inclusion proof names another event hash"
    path = [bytes.fromhex(node) for node in proof.get("audit_path", [])]
    root, size = bytes.fromhex(checkpoint["root_hash"]), checkpoint["tree_size"]
    if not verify_inclusion(leaf_hash(line["hash"]), line["position"] - 1, size, path, root):
        return f"{where}: not included in the signed checkpoint (the audit path does not lead to its root)"
    return None


def check_event(line: dict[str, Any], state: dict[str, Any], manifest: dict[str, Any], where: str) -> list[str]:
    """Hash, scope, version sequence, log order and chain link of one event line."""
    found = []
    if event_hash(line["prev_hash"], line) != line["hash"]:
        found.append(f"{where}: the event does not hash to its recorded hash (its content was altered)")
    if state["cases"] is not None and line["case_id"] not in state["cases"]:
        found.append(f"{where}: the event belongs to case {line['case_id']}, which this export does not cover")
    expected = state["versions"].get(line["case_id"], 0) + 1
    if line["version"] != expected:
        found.append(f"{where}: case {line['case_id']} version {line['version']} where version {expected} was due "
                     "(an event is missing, duplicated or out of order)")
    last_position, last_hash = state["last"]
    if line["position"] <= last_position:
        found.append(f"{where}: position {line['position']} is not after position {last_position} (reordered)")
    elif line["position"] == last_position + 1 and line["prev_hash"] != last_hash:
        found.append(f"{where}: prev_hash is not the hash of the event at position {last_position} (chain broken)")
    if line["position"] > manifest["checkpoint"]["tree_size"]:
        found.append(f"{where}: position {line['position']} is beyond the signed checkpoint")
    state["versions"][line["case_id"]] = line["version"]
    state["last"] = (line["position"], line["hash"])
    return found


def _matching_proof(line: dict[str, Any], proofs: Iterator[Any], pending: list[Any], report: Report) -> Any:
    """The proof of this event's position from the stream (both ascend by position); proofs skipped have no event."""
    while pending[0] is not None and pending[0].get("position", 0) < line["position"]:
        report.problems.append(f"the inclusion proof for position {pending[0].get('position')} has no event in "
                               "events.jsonl: an event was removed")
        pending[0] = next(proofs, None)
    if pending[0] is not None and pending[0].get("position") == line["position"]:
        proof, pending[0] = pending[0], next(proofs, None)
        return proof
    return None


def check_events(bundle: Bundle, manifest: dict[str, Any], report: Report) -> None:
    """Every event line: its hash, its place in its case and the log, and its inclusion proof (streamed)."""
    scope = manifest.get("scope", {})
    cases = [scope["case_id"]] if "case_id" in scope else scope.get("cases")
    # Position 1 chains to the genesis hash; a date-range portfolio names no cases (versions prove completeness).
    state: dict[str, Any] = {"versions": {}, "last": (0, GENESIS_HASH), "cases": set(cases) if cases else None}
    proofs = proof_stream(bundle, manifest)
    pending, count = [next(proofs, None)], 0
    for number, line in bundle.lines(manifest["events"]["file"]):
        count += 1
        where = f"events.jsonl line {number} (case {line.get('case_id')}, version {line.get('version')})"
        try:
            report.problems.extend(check_event(line, state, manifest, where))
            reason = check_proof(line, _matching_proof(line, proofs, pending, report), manifest["checkpoint"], where)
        except (KeyError, TypeError, ValueError, Problem) as exc:
            reason = f"{where}: malformed event ({type(exc).__name__}: {exc})"
        if reason:
            report.problems.append(reason)
    for proof in [p for p in pending if p is not None] + list(proofs):
        report.problems.append(f"the inclusion proof for position {proof.get('position')} has no event in "
                               "events.jsonl: an event was removed")
    if count != manifest["events"]["count"]:
        report.problems.append(f"events.jsonl holds {count} events, the manifest lists {manifest['events']['count']}")
    report.facts.append(f"events: {count} hashes recomputed and inclusion proofs checked against the checkpoint of "
                        f"{manifest['checkpoint']['tree_size']} events")


def verify_bundle(path: Path, *, public_key_pem: str | None = None) -> Report:
    """Run every check on a bundle (zip file or directory) and return the report."""
    report = Report()
    try:
        bundle = Bundle(Path(path))
        manifest = json.loads(bundle.read(MANIFEST))
        if manifest.get("format") != FORMAT:
            raise Problem(f"manifest.json is not a {FORMAT} manifest")
        check_files(bundle, manifest, report)
        check_signatures(bundle, manifest, public_key_pem or manifest["public_key_pem"], report)
        check_events(bundle, manifest, report)
    except (Problem, KeyError, ValueError, OSError, zipfile.BadZipFile) as exc:
        unreadable = f"unreadable bundle ({type(exc).__name__}: {exc})"
        report.problems.append(str(exc) if isinstance(exc, Problem) else unreadable)
    return report


def main(argv: list[str] | None = None) -> int:
    """Command line: print what was checked, each problem, and the verdict; return the exit status."""
    parser = argparse.ArgumentParser(description="Verify a lossmit-compliance examiner export offline.")
    parser.add_argument("bundle", type=Path, help="the export: a .zip file or an extracted directory")
    parser.add_argument("--public-key", type=Path, help="PEM public key obtained from the servicer (else the bundle's)")
    args = parser.parse_args(argv)
    pem = args.public_key.read_text(encoding="ascii") if args.public_key else None
    report = verify_bundle(args.bundle, public_key_pem=pem)
    lines = [*report.facts, *(f"problem: {problem}" for problem in report.problems), report.verdict()]
    sys.stdout.write("\n".join(lines) + "\n")
    return report.exit_code()


if __name__ == "__main__":
    sys.exit(main())

"""The standalone verifier (verify.py, run as a subprocess from an extracted bundle) and `compliance
verify-export`: a fresh bundle verifies; every kind of tampering is caught by both with a precise message."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from api.cli import app as cli
from audit import canonical
from audit.database import make_engine
from audit.export import verifier
from audit.export.bundle import export_case
from audit.export.event_lines import full_line, redacted_line
from audit.export.redaction import Redactor
from audit.migrate import upgrade
from audit.reads import events_after
from audit.signing import load_or_create_key, public_key_pem
from tests.audit.test_export_cases import EXAMINER, NOW, build_log

Files = dict[str, bytes]


@dataclass(frozen=True)
class Exported:
    """Bundles of the fixture log, exported once for the whole module."""

    case: bytes
    redacted: bytes
    other_case: bytes
    public_key: str


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> Exported:
    folder = tmp_path_factory.mktemp("verifier")
    engine = make_engine(f"sqlite:///{(folder / 'log.db').as_posix()}")
    upgrade(engine)
    key = load_or_create_key(folder / "key.pem")
    build_log(engine, key)
    try:
        def bundle(case_id: str, *, redact: bool = False) -> bytes:
            return export_case(engine, case_id, key=key, now=NOW, actor=EXAMINER, redact=redact)

        return Exported(bundle("C-1"), bundle("C-1", redact=True), bundle("C-2"), public_key_pem(key))
    finally:
        engine.dispose()


def files_of(bundle: bytes) -> Files:
    with zipfile.ZipFile(io.BytesIO(bundle)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def write_dir(files: Files, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, content in files.items():
        (folder / name).write_bytes(content)
    return folder


def run_verify_py(bundle: Path, tmp_path: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    """`python verify.py BUNDLE` with verify.py taken from a pristine copy, run in its own folder."""
    script = tmp_path / "tool" / "verify.py"
    script.parent.mkdir(exist_ok=True)
    script.write_bytes(Path(verifier.__file__).read_bytes())
    return subprocess.run([sys.executable, "verify.py", str(bundle), *extra], cwd=script.parent,
                          capture_output=True, text=True, timeout=120, check=False)


def run_service_verify(bundle: Path, *extra: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["verify-export", str(bundle), *extra])
    return result.exit_code, result.output


def test_a_fresh_bundle_verifies_as_a_zip_and_extracted(exported: Exported, tmp_path: Path) -> None:
    archive = tmp_path / "case.zip"
    archive.write_bytes(exported.case)
    extracted = write_dir(files_of(exported.case), tmp_path / "case")
    own = subprocess.run([sys.executable, "verify.py", "."], cwd=extracted, capture_output=True, text=True,
                         timeout=120, check=False)
    assert own.returncode == 0 and own.stdout.strip().endswith("VERIFIED"), own.stdout + own.stderr
    for bundle in (archive, extracted):
        result = run_verify_py(bundle, tmp_path)
        assert result.returncode == 0, result.stdout
        assert "VERIFIED" in result.stdout and "key id" in result.stdout
        code, output = run_service_verify(bundle)
        assert code == 0 and output.strip().endswith("VERIFIED"), output


def test_a_redacted_bundle_still_verifies(exported: Exported, tmp_path: Path) -> None:
    result = run_verify_py(write_dir(files_of(exported.redacted), tmp_path / "r"), tmp_path)
    assert result.returncode == 0 and result.stdout.strip().endswith("VERIFIED"), result.stdout


def _edit_line(name: str, number: int, edit: Callable[[dict], None]) -> Callable[[Files], None]:  # type: ignore[type-arg]
    def change(files: Files) -> None:
        lines = files[name].decode().splitlines(keepends=True)
        value = json.loads(lines[number - 1])
        edit(value)
        lines[number - 1] = json.dumps(value, sort_keys=True, separators=(",", ":")) + "\n"
        files[name] = "".join(lines).encode()
    return change


def _drop_line(number: int) -> Callable[[Files], None]:
    def change(files: Files) -> None:
        lines = files["events.jsonl"].decode().splitlines(keepends=True)
        del lines[number - 1]
        files["events.jsonl"] = "".join(lines).encode()
    return change


def _swap_lines(first: int, second: int) -> Callable[[Files], None]:
    def change(files: Files) -> None:
        lines = files["events.jsonl"].decode().splitlines(keepends=True)
        lines[first - 1], lines[second - 1] = lines[second - 1], lines[first - 1]
        files["events.jsonl"] = "".join(lines).encode()
    return change


def _manifest(edit: Callable[[dict], None]) -> Callable[[Files], None]:  # type: ignore[type-arg]
    def change(files: Files) -> None:
        manifest = json.loads(files["manifest.json"])
        edit(manifest)
        files["manifest.json"] = json.dumps(manifest, sort_keys=True, indent=2).encode()
    return change


def _edit_clocks_and_rehash(files: Files) -> None:
    import hashlib

    files["clocks.csv"] = files["clocks.csv"].replace(b",breached,", b",met,", 1)
    _manifest(lambda m: m["files"]["clocks.csv"].update(sha256=hashlib.sha256(files["clocks.csv"]).hexdigest()))(files)


def _swap_proofs(manifest: dict) -> None:  # type: ignore[type-arg]
    proofs = manifest["proofs"]
    proofs[1]["audit_path"], proofs[2]["audit_path"] = proofs[2]["audit_path"], proofs[1]["audit_path"]


def _foreign_key(manifest: dict) -> None:  # type: ignore[type-arg]
    manifest["public_key_pem"] = public_key_pem(Ed25519PrivateKey.generate())


def _altered_checkpoint(manifest: dict) -> None:  # type: ignore[type-arg]
    manifest["checkpoint"]["root_hash"] = "ab" * 32


TAMPERING: dict[str, tuple[Callable[[Files], None], str]] = {
    "changed byte in an event": (
        _edit_line("events.jsonl", 3, lambda e: e["data"].update(due_date="2026-02-02")),
        "events.jsonl line 3 (case C-1, version 3): the event does not hash to its recorded hash"),
    "dropped event": (_drop_line(2), "version 3 where version 2 was due"),
    "dropped event (proof)": (_drop_line(2), "has no event in events.jsonl: an event was removed"),
    "reordered events": (_swap_lines(2, 3), "is not after position"),
    "changed clocks file": (lambda f: f.update({"clocks.csv": f["clocks.csv"] + b"x"}),
                            "clocks.csv: its SHA-256 is not the one in manifest.json"),
    "changed clocks file, manifest re-hashed": (_edit_clocks_and_rehash,
                                                "the manifest signature is not valid under the public key"),
    "swapped proofs": (_manifest(_swap_proofs), "not included in the signed checkpoint"),
    "altered checkpoint": (_manifest(_altered_checkpoint), "the checkpoint signature is not valid"),
    "foreign public key": (_manifest(_foreign_key), "the checkpoint names key id"),
    "actor rewritten": (_edit_line("events.jsonl", 4, lambda e: e["actor"].update(id="someone-else")),
                        "the event does not hash to its recorded hash"),
}


@pytest.mark.parametrize("kind", TAMPERING)
def test_tampering_is_caught_by_both_verifiers(kind: str, exported: Exported, tmp_path: Path) -> None:
    change, message = TAMPERING[kind]
    files = files_of(exported.case)
    change(files)
    bundle = write_dir(files, tmp_path / "bundle")
    result = run_verify_py(bundle, tmp_path)
    assert result.returncode == 1, result.stdout
    assert "FAILED: " in result.stdout and message in result.stdout, result.stdout
    code, output = run_service_verify(bundle)
    assert code == 1 and message in output


def test_an_event_swapped_in_from_another_case_is_named(exported: Exported, tmp_path: Path) -> None:
    files = files_of(exported.case)
    foreign = files_of(exported.other_case)["events.jsonl"].decode().splitlines(keepends=True)[1]
    lines = files["events.jsonl"].decode().splitlines(keepends=True)
    lines.insert(3, foreign)
    files["events.jsonl"] = "".join(lines).encode()
    result = run_verify_py(write_dir(files, tmp_path / "bundle"), tmp_path)
    assert result.returncode == 1
    assert "belongs to case C-2, which this export does not cover" in result.stdout
    assert "no inclusion proof for this event" in result.stdout


def test_the_servicers_published_key_decides_and_a_foreign_one_fails(exported: Exported, tmp_path: Path) -> None:
    bundle = write_dir(files_of(exported.case), tmp_path / "bundle")
    genuine, foreign = tmp_path / "genuine.pem", tmp_path / "foreign.pem"
    genuine.write_text(exported.public_key)
    foreign.write_text(public_key_pem(Ed25519PrivateKey.generate()))
    assert run_verify_py(bundle, tmp_path, "--public-key", str(genuine)).returncode == 0
    result = run_verify_py(bundle, tmp_path, "--public-key", str(foreign))
    assert result.returncode == 1 and "signature is not valid under the public key" in result.stdout
    assert run_service_verify(bundle, "--public-key", str(foreign))[0] == 1


def test_without_cryptography_everything_else_is_checked_and_the_verdict_says_so(
    exported: Exported, tmp_path: Path
) -> None:
    blocked = ("import runpy, sys; sys.modules['cryptography'] = None; sys.argv = ['verify.py', sys.argv[1]]; "
               "runpy.run_path('verify.py', run_name='__main__')")
    good = write_dir(files_of(exported.case), tmp_path / "good")
    script = tmp_path / "tool"
    run_verify_py(good, tmp_path)  # puts a pristine verify.py in tmp_path/tool
    result = subprocess.run([sys.executable, "-c", blocked, str(good)], cwd=script, capture_output=True, text=True,
                            timeout=120, check=False)
    assert result.returncode == 2 and "VERIFIED EXCEPT SIGNATURES" in result.stdout and "pip install cryptography" in (
        result.stdout)
    files = files_of(exported.case)
    TAMPERING["changed byte in an event"][0](files)
    bad = write_dir(files, tmp_path / "bad")
    result = subprocess.run([sys.executable, "-c", blocked, str(bad)], cwd=script, capture_output=True, text=True,
                            timeout=120, check=False)
    assert result.returncode == 1 and "does not hash to its recorded hash" in result.stdout


def test_the_shipped_verify_py_is_the_verifier_module(exported: Exported) -> None:
    assert files_of(exported.case)["verify.py"] == Path(verifier.__file__).read_bytes()


# --- byte compatibility of the re-implementation with audit/canonical.py ---------------------------------------

JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53) + 1, 2**53 - 1) | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=8), inner, max_size=5),
    max_leaves=25,
)


@settings(max_examples=500, deadline=None)
@given(JSON)
def test_canonical_json_is_byte_identical_to_the_services(value: object) -> None:
    try:
        expected = canonical.canonical_json(value)
    except (ValueError, UnicodeEncodeError):
        return  # lone surrogates: neither side produces text
    assert verifier.canonical_json(value) == expected


@settings(max_examples=200, deadline=None)
@given(summary=st.text(min_size=1, max_size=40), reason=st.text(min_size=1, max_size=20),
       extra=st.dictionaries(st.sampled_from(["text", "summary", "reason", "n"]), JSON, max_size=3))
def test_event_hash_is_byte_identical_to_the_services(summary: str, reason: str, extra: dict) -> None:  # type: ignore[type-arg]
    base = {"position": 7, "id": "e-7", "case_id": "C-1", "version": 3, "schema_version": 1,
            "occurred_at": "2026-06-16", "recorded_at": "2026-06-16T20:00:00.000000Z", "actor_id": "s-17",
            "actor_role": "specialist", "idempotency_key": None, "salt": "00112233445566778899aabbccddeeff"}
    for kind, data in (("contact_logged", {"summary": summary, "channel": "phone"}),
                       ("entry_corrected", {"corrects": "e-1", "reason": reason,
                                            "replacement": {"occurred_at": None, "data": extra}})):
        envelope = {**base, "type": kind, "data": data}
        line = {**{k: v for k, v in envelope.items() if k not in ("actor_id", "actor_role")},
                "actor": {"id": "s-17", "role": "specialist"}}
        try:
            expected = canonical.event_hash("ab" * 32, envelope)
        except (ValueError, UnicodeEncodeError):
            continue
        assert verifier.event_hash("ab" * 32, line) == expected
        pointers = [p for _, p in canonical.sensitive_pointers(kind, data)]
        withheld = {**{k: v for k, v in line.items() if k != "salt"},
                    **canonical.selective_disclosure(envelope, withhold=pointers[:1])}
        assert verifier.event_hash("ab" * 32, withheld) == expected


def test_every_stored_event_rehashes_from_its_full_and_redacted_lines(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{(tmp_path / 'log.db').as_posix()}")
    upgrade(engine)
    build_log(engine, load_or_create_key(tmp_path / "key.pem"))
    try:
        stored = events_after(engine, 0, limit=100)
    finally:
        engine.dispose()
    redactor = Redactor.fresh()
    for event in stored:
        assert verifier.event_hash(event.prev_hash, full_line(event)) == event.hash
        assert verifier.event_hash(event.prev_hash, redacted_line(event, redactor)) == event.hash
    assert len(redactor.withheld) >= 6

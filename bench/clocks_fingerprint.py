"""Fingerprints of compute_clocks output, to prove a speed-up changed no byte: record once, check after each change.

    .venv/bin/python -m bench.clocks_fingerprint record /tmp/clocks.fp   # before optimising
    .venv/bin/python -m bench.clocks_fingerprint check /tmp/clocks.fp    # after each change: exit 1 on a difference

Each case's timeline_json (CONTRACT §6) is dumped with json.dumps(sort_keys=False) and hashed (SHA-256). The set:
synthetic benchmark cases (bench/synthetic.py, fixed seed) under both calendar policies and every reading, the
golden cases, and the demo portfolio judged on several as_of dates. As a pytest plugin
(`pytest -p bench.clocks_fingerprint`, with CLOCKS_FINGERPRINT_OUT=FILE) it also records every compute_clocks call
the test suite makes, keyed by a hash of its input, so two runs can be compared call by call.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from bench.synthetic import case_file
from compliance import engine
from compliance.casefile import CaseFile, parse_casefile
from compliance.evaluation import Readings
from compliance.portfolio import generate_portfolio
from timelines.calendar import calendar_for

SEED = 20260702
GOLDEN = Path(__file__).resolve().parents[2] / "shared" / "golden" / "cases.jsonl"
PORTFOLIO_TODAY = date(2026, 11, 27)
READINGS = (
    Readings(),
    Readings(regf_scope="all_loans"),
    Readings(live_contact_satisfied_by="live_contact_only"),
)
OTHER = {"us-6103a": "us-6103a-observed", "us-6103a-observed": "us-6103a"}

Job = tuple[str, CaseFile, str, date, Readings]


def digest(case: CaseFile, calendar: str, as_of: date, readings: Readings) -> str:
    """SHA-256 of the timeline JSON of one case under one calendar, as_of and reading."""
    clocks = engine.compute_clocks(case.case_id, case.profile, case.events, calendar_for(calendar), as_of,
                                   readings=readings)
    text = json.dumps(engine.timeline_json(case.case_id, as_of, calendar, clocks), sort_keys=False)
    return hashlib.sha256(text.encode()).hexdigest()


def jobs(synthetic: int) -> Iterator[Job]:
    """Every (name, case, calendar, as_of, readings) fingerprinted, in a fixed order."""
    for i in range(synthetic):
        case = parse_casefile(case_file(SEED, i), default_as_of=date(2026, 1, 1))
        yield f"synthetic/{i}", case, case.calendar, case.as_of, READINGS[0]
        if i % 5 == 0:
            yield f"synthetic/{i}/other", case, OTHER[case.calendar], case.as_of, READINGS[0]
            yield f"synthetic/{i}/early", case, case.calendar, case.as_of - timedelta(days=90), READINGS[0]
        if i % 5 == 1:
            for n, readings in enumerate(READINGS[1:], start=1):
                yield f"synthetic/{i}/reading{n}", case, case.calendar, case.as_of, readings
    if GOLDEN.exists():
        for line in GOLDEN.read_text(encoding="utf-8").splitlines():
            if line.strip():
                raw = json.loads(line)
                case = parse_casefile(raw["casefile"], default_as_of=date(2000, 1, 1))
                yield f"golden/{raw['id']}", case, case.calendar, case.as_of, READINGS[0]
                yield f"golden/{raw['id']}/other", case, OTHER[case.calendar], case.as_of, READINGS[0]
    for i, raw in enumerate(generate_portfolio(300, seed=7, today=PORTFOLIO_TODAY)):
        case = parse_casefile(raw, default_as_of=PORTFOLIO_TODAY)
        for shift in (0, -45, -120, 200):
            yield f"portfolio/{i}/{shift}", case, case.calendar, case.as_of + timedelta(days=shift), READINGS[0]
        yield f"portfolio/{i}/other", case, OTHER[case.calendar], case.as_of, READINGS[0]
        for n, readings in enumerate(READINGS[1:], start=1):
            yield f"portfolio/{i}/reading{n}", case, case.calendar, case.as_of, readings


def fingerprints(synthetic: int) -> dict[str, str]:
    """name -> SHA-256 for every job."""
    return {name: digest(case, cal, as_of, readings) for name, case, cal, as_of, readings in jobs(synthetic)}


def compare(recorded: dict[str, str], now: dict[str, str]) -> list[str]:
    """The names whose fingerprint differs or is missing on either side."""
    return sorted(k for k in recorded.keys() | now.keys() if recorded.get(k) != now.get(k))


def main(argv: Sequence[str] | None = None) -> int:
    """record FILE | check FILE | compare-calls A B (two pytest-plugin recordings)."""
    parser = argparse.ArgumentParser(prog="python -m bench.clocks_fingerprint", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("action", choices=("record", "check", "compare-calls"))
    parser.add_argument("files", nargs="+", type=Path)
    parser.add_argument("--synthetic", type=int, default=3000, help="synthetic cases (default 3,000)")
    args = parser.parse_args(argv)
    if args.action == "compare-calls":
        first, second = (json.loads(p.read_text()) for p in args.files[:2])
        common = first.keys() & second.keys()
        bad = [k for k in common if first[k] != second[k]]
        print(f"{len(common):,} calls in both recordings, {len(bad)} differ")
        return 1 if bad else 0
    now = fingerprints(args.synthetic)
    if args.action == "record":
        args.files[0].write_text(json.dumps(now, indent=0, sort_keys=True))
        print(f"recorded {len(now):,} fingerprints in {args.files[0]}")
        return 0
    differ = compare(json.loads(args.files[0].read_text()), now)
    listed = ": " + ", ".join(differ[:20]) if differ else ""
    print(f"{len(now):,} fingerprints checked, {len(differ)} differ{listed}")
    return 1 if differ else 0


# --- pytest plugin: every compute_clocks call of a test run, input hash -> output hash --------------------------

_CALLS: dict[str, str] = {}


def _recording(original: Callable[..., Any]) -> Callable[..., Any]:
    def compute_clocks(case_id: str, profile: Any, events: Any, calendar: Any, as_of: date, **kw: Any) -> Any:
        clocks = original(case_id, profile, events, calendar, as_of, **kw)
        key = repr((case_id, profile.model_dump_json(), [(e.id, e.version, e.type, e.on, e.at,
                    e.data.model_dump_json()) for e in events], calendar.name, as_of, kw))
        out = json.dumps(engine.timeline_json(case_id, as_of, calendar.name, clocks), sort_keys=False)
        _CALLS[hashlib.sha256(key.encode()).hexdigest()] = hashlib.sha256(out.encode()).hexdigest()
        return clocks

    return compute_clocks


def pytest_configure(config: Any) -> None:
    """Wrap compute_clocks before the test modules import it."""
    if os.environ.get("CLOCKS_FINGERPRINT_OUT"):
        engine.compute_clocks = _recording(engine.compute_clocks)  # type: ignore[assignment]


def pytest_unconfigure(config: Any) -> None:
    """Write the recorded calls."""
    target = os.environ.get("CLOCKS_FINGERPRINT_OUT")
    if target:
        Path(target).write_text(json.dumps(_CALLS, sort_keys=True))


if __name__ == "__main__":
    sys.exit(main())

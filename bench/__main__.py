"""`python -m bench` (`make bench`): run every benchmark at a size that fits a 2-core machine; write RESULTS.md."""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent

# Each benchmark with the arguments of the default run: sized so the whole set finishes in minutes here.
# `--full` runs each at the size its issue names (1,000,000 events / 100,000 cases; much longer).
SUITE: tuple[tuple[str, tuple[str, ...], tuple[str, ...]], ...] = (
    ("calendar", (), ()),
    ("clocks", ("--cases", "20000"), ()),
    ("append", ("--events", "2000"), ()),
    ("scan", ("--clocks", "200000"), ()),
    ("api", ("--requests", "2000", "--log-events", "100000"), ()),
    ("export", ("--events", "200000", "--repeat", "1"), ()),
)


def _machine() -> list[str]:
    return [
        f"- date: {datetime.now(UTC).strftime('%Y-%m-%d %H:%M UTC')}",
        f"- python {platform.python_version()} on {platform.system()} {platform.machine()}, {os.cpu_count()} CPUs",
        f"- processor: {platform.processor() or 'unknown'}",
    ]


def _run(name: str, args: tuple[str, ...]) -> tuple[str, float, int]:
    started = time.perf_counter()
    done = subprocess.run(  # noqa: S603 - runs this interpreter on our own module
        [sys.executable, "-m", f"bench.{name}", *args], capture_output=True, text=True, check=False
    )
    output = done.stdout + (f"\n[stderr]\n{done.stderr[-4000:]}" if done.returncode else "")
    return output, time.perf_counter() - started, done.returncode


def main() -> None:
    """Run the suite (or the named benchmarks) and write bench/RESULTS.md."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("names", nargs="*", help="only these benchmarks (default: all)")
    parser.add_argument("--full", action="store_true", help="each benchmark at the size its issue names")
    parser.add_argument("--out", type=Path, default=HERE / "RESULTS.md")
    opts = parser.parse_args()
    sections = ["# Benchmark results", "", "Written by `make bench` (`python -m bench`). Every figure is printed with",
                "the reference it is compared with, measured in the same run, and the ratio.", "", "## Machine", "",
                *_machine(), ""]
    failed = 0
    for name, quick, full in SUITE:
        if opts.names and name not in opts.names:
            continue
        args = full if opts.full else quick
        print(f"running bench.{name} {' '.join(args)} ...", flush=True)
        output, seconds, code = _run(name, args)
        failed += code != 0
        sections += [f"## bench.{name} {' '.join(args)}".rstrip(), "",
                     f"({seconds:.0f} s{', FAILED with exit code ' + str(code) if code else ''})", "",
                     "```", output.rstrip(), "```", ""]
        print(output, flush=True)
    opts.out.write_text("\n".join(sections), encoding="utf-8")
    print(f"wrote {opts.out}")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()

"""`python -m bench` (`make bench`): run every benchmark at a size that fits a 2-core machine; write RESULTS.md."""

from __future__ import annotations

import argparse
import os
import platform
import re
import sqlite3
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import psycopg

HERE = Path(__file__).resolve().parent
PG_ADMIN = os.environ.get("COMPLIANCE_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
SCALE_QUICK = ("--events", "20000", "--cases", "2000")

# Each benchmark with the arguments of the default run (sized so that the whole set finishes in under ten
# minutes on a 2-core machine) and of `--full` (the size its issue names; much longer).
SUITE: tuple[tuple[str, tuple[str, ...], tuple[str, ...]], ...] = (
    ("calendar", (), ()),
    ("clocks", ("--cases", "20000"), ()),
    ("append", ("--events", "2000"), ()),
    ("scan", ("--clocks", "200000"), ()),
    ("api", ("--requests", "2000", "--log-events", "100000"), ()),
    ("export", ("--events", "200000", "--repeat", "1"), ()),
    # Issue 8's scale run: 1,000,000 events in 100,000 cases at full size (--full or --scale); always from
    # fresh databases, so that the load is measured too.
    ("scale", (*SCALE_QUICK, "--fresh"), ("--fresh",)),
)
SECTION = re.compile(r"^<!-- section: (\S+) -->\n.*?^<!-- end -->$", re.MULTILINE | re.DOTALL)


def machine() -> list[str]:
    """Machine notes: what the figures were measured on."""
    return [
        f"- date: {datetime.now(UTC).strftime('%Y-%m-%d %H:%M UTC')}",
        f"- processor: {_cpu_model()}, {os.cpu_count()} CPUs; memory {_memory_gib():.0f} GiB",
        f"- load average at the start: {_load()} (other work on a shared machine makes wall times noisy)",
        f"- Python {platform.python_version()} on {platform.system()} {platform.release()} {platform.machine()}",
        f"- SQLite {sqlite3.sqlite_version} (Python's sqlite3 module); PostgreSQL {_postgres_version()}",
    ]


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown processor"


def _memory_gib() -> float:
    return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30


def _load() -> str:
    return " / ".join(f"{value:.1f}" for value in os.getloadavg()) + " (1 / 5 / 15 min)"


def _postgres_version() -> str:
    try:
        with psycopg.connect(PG_ADMIN.replace("postgresql+psycopg://", "postgresql://"), connect_timeout=3) as conn:
            row = conn.execute("SHOW server_version").fetchone()
            return f"{row[0] if row else '?'} (server at {PG_ADMIN.rsplit('@', 1)[-1]}), psycopg {psycopg.__version__}"
    except psycopg.Error as exc:
        return f"not reachable ({str(exc).splitlines()[0]}): PostgreSQL figures are skipped"


def _run(name: str, args: tuple[str, ...]) -> tuple[str, float, int]:
    started = time.perf_counter()
    done = subprocess.run(  # noqa: S603 - runs this interpreter on our own module
        [sys.executable, "-m", f"bench.{name}", *args], capture_output=True, text=True, check=False
    )
    output = done.stdout + (f"\n[stderr]\n{done.stderr[-4000:]}" if done.returncode else "")
    return output, time.perf_counter() - started, done.returncode


def section_key(name: str, *, full: bool) -> str:
    """The scale run keeps its full-size figures apart from the reduced ones; the others have one section."""
    return f"{name}-full" if name == "scale" and full else name


def kept_sections(path: Path) -> dict[str, str]:
    """The sections of an earlier RESULTS.md, by key: a run of some benchmarks keeps the others' figures."""
    if not path.exists():
        return {}
    text = path.read_text(encoding="utf-8")
    return {m.group(1): m.group(0) + "\n" for m in SECTION.finditer(text)}


def section(key: str, name: str, args: tuple[str, ...], output: str, seconds: float, code: int) -> str:
    """One benchmark's section: its command, when and how long it ran, and its own output (figures, references)."""
    failed = f", FAILED with exit code {code}" if code else ""
    when = f"{datetime.now(UTC).strftime('%Y-%m-%d %H:%M UTC')}, load average {os.getloadavg()[0]:.1f}"
    title = f"## `{' '.join([f'python -m bench.{name}', *args])}`" + (" (full size)" if key == "scale-full" else "")
    return "\n".join(
        [
            f"<!-- section: {key} -->",
            title,
            "",
            f"({seconds:.0f} s, run {when}{failed})",
            "",
            "```",
            output.rstrip(),
            "```",
            "<!-- end -->",
            "",
        ]
    )


def main() -> None:
    """Run the suite (or the named benchmarks) and write bench/RESULTS.md, keeping the sections not re-run."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("names", nargs="*", help="only these benchmarks (default: all)")
    parser.add_argument("--full", action="store_true", help="each benchmark at the size its issue names")
    parser.add_argument("--scale", action="store_true", help="the scale run at full size (1M events), others not")
    parser.add_argument("--out", type=Path, default=HERE / "RESULTS.md")
    opts = parser.parse_args()
    sections: dict[str, str] = {}
    started, failed = time.perf_counter(), 0
    head = [
        "# Benchmark results",
        "",
        "Written by `make bench` (`python -m bench`; `--full` for every benchmark at the",
        "size its issue names, `--scale` for the scale run at 1,000,000 events). Every figure is printed with the",
        "reference it is compared with, measured in the same run, and the ratio (ours / reference). A run of",
        "some benchmarks (`python -m bench scale --scale`) keeps the other sections as they were.",
        "",
        "## Machine (of the latest run)",
        "",
        *machine(),
        "",
    ]
    for name, quick, full_args in SUITE:
        if opts.names and name not in opts.names:
            continue
        full = opts.full or (opts.scale and name == "scale")
        args = full_args if full else quick
        print(f"running bench.{name} {' '.join(args)} ...", flush=True)
        output, seconds, code = _run(name, args)
        failed += code != 0
        key = section_key(name, full=full)
        sections[key] = section(key, name, args, output, seconds, code)
        print(output, flush=True)
    sections = {**kept_sections(opts.out), **sections}  # read now: another run may have written meanwhile
    order = [section_key(name, full=full) for name, _, _ in SUITE for full in (False, True)]
    body = [sections[key] for key in dict.fromkeys(order) if key in sections]
    tail = [f"(this run: {time.perf_counter() - started:.0f} s; load average at the end {_load()})", ""]
    opts.out.write_text("\n".join([*head, *body, *tail]), encoding="utf-8")
    print(f"wrote {opts.out}")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()

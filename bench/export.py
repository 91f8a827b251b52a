"""Exporting N events as JSON Lines and CSV against the sqlite3 shell's own -json / -csv output of the same rows.

`.venv/bin/python -m bench.export [--events N] [--repeat R] [--db FILE] [--skip-portfolio]`

Builds a SQLite log of N valid events (synthetic case files from bench/synthetic.py plus free-text notes,
appended through the store's own group-commit path, AppendBatch: validated, chained, hashed; only the load
skips fsync) and signs a checkpoint of it, then measures, each run in a fresh process, interleaved, best of R:
  sqlite3 -json      `/usr/bin/sqlite3 -json DB "SELECT <every events column> ... ORDER BY position" > file`
  ours jsonl         the portfolio export's events.jsonl stream of the same events, written to a file: its page
                     query (scoped_event_rows) and formatting (audit.export.event_pages), as export_portfolio runs them
  sqlite3 -csv       the same query with -csv
  ours csv           the portfolio export's events.csv stream (legal dates in each case's zone: CaseZones)
  portfolio zip      export_portfolio whole: events.jsonl, events.csv, proofs.jsonl, clocks, contacts, data tape,
                     manifest, zipped (the checkpoint is already signed, as after the first export of a log)
Throughput is events (and output MB) per second of wall time and of CPU time (the machine may be shared: the
CPU figures are the steadier ones). Peak RSS: for ours, VmHWM of the exporting process itself, interpreter and
imports included; for sqlite3, ru_maxrss of RUSAGE_CHILDREN in a minimal wrapper (an upper bound: it includes
the wrapper's few MB). Ours also runs over a tenth of the log, to show that memory does not grow with size.
Goals (issue 6): >= 50% of sqlite3's throughput, peak RSS < 150 MB whatever the size.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, event, func, select

from audit.checkpoints import create_checkpoint, latest_checkpoint
from audit.database import make_engine
from audit.export.csv_columns import EVENT_COLUMNS, csv_lines
from audit.export.event_pages import csv_page, jsonl_page
from audit.export.portfolio import export_portfolio
from audit.export.portfolio_scope import CaseZones, PortfolioScope, scoped_event_rows
from audit.export.request import ExportRequest
from audit.schema import events
from audit.signing import load_or_create_key
from audit.store import Actor, AppendPolicy, AppendRequest

GOAL_RATIO, GOAL_RSS_MB = 0.5, 150.0
SEED = 6
FIRST_RECORDED = datetime(2026, 6, 1, 13, 0, tzinfo=UTC)  # after every synthetic story has happened
RECORDING_DAYS = 90  # cases are recorded over a quarter: a date-range scope of its first days is a subset
NOW = datetime(2026, 9, 15, 16, 0, tzinfo=UTC)  # the export time: after the last event is recorded
LOADER, EXAMINER = Actor("bench-loader", "specialist"), Actor("bench-examiner", "examiner")
CASES_PER_BATCH = 1_000
SQLITE3 = "/usr/bin/sqlite3"
COLUMNS = ("position, id, case_id, version, type, schema_version, occurred_at, recorded_at, actor_id, actor_role, "
           "data, idempotency_key, salt, prev_hash, hash")
NOTES = ('Borrower asked about the "repayment plan", prefers calls after 5pm, señora López',
         "Left voicemail; will resend the RMA package (pages 3-5) by mail", "Hardship: job loss, 2 dependents",
         "Spoke with Dr. Ruiz (co-borrower). Sent the 3.5% trial plan terms.")
# The sqlite3 shell under a wrapper that imports next to nothing: RUSAGE_CHILDREN then holds the shell's peak.
WRAPPER = """
import json, resource, subprocess, sys, time
started = time.perf_counter()
with open(sys.argv[4], "wb") as sink:
    subprocess.run([sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[5]], stdout=sink, check=True)
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({"wall": time.perf_counter() - started, "cpu": usage.ru_utime + usage.ru_stime,
                  "rss_mb": usage.ru_maxrss / 1024, "rss_before_mb": 0.0}))
"""


# --- the log ------------------------------------------------------------------------------------------------


def case_events(index: int) -> tuple[str, list[dict[str, Any]]]:
    """Case `index`: a case_opened in its state's zone, the synthetic story, a free-text note, some summaries."""
    from bench.synthetic import STATES, ZONES, case_file  # noqa: PLC0415 - loading only (see build)

    story = case_file(SEED, index)
    state = story["case"]["property_state"]
    rng = random.Random(index)
    body = story["events"]
    for raw in body:
        if raw["type"] == "contact_logged" and rng.random() < 0.4:
            raw["data"]["summary"] = rng.choice(NOTES)
    body.append({"type": "note_added", "occurred_at": body[-1]["occurred_at"], "data": {"text": rng.choice(NOTES)}})
    opened = {"type": "case_opened", "occurred_at": body[0]["occurred_at"][:10],
              "data": {"loan_id": f"L-{index:07d}", "borrower_ref": f"BR-{rng.randrange(10**9):09d}",
                       "property_state": state, "timezone": ZONES[STATES.index(state)],
                       "fdcpa_debt_collector": story["case"]["fdcpa_debt_collector"]}}
    return story["case"]["id"], [opened, *body]


def planned_requests(total: int) -> Iterator[AppendRequest]:
    """Append requests of whole cases (the last one cut short) adding up to `total` events, recorded over a quarter."""
    step = timedelta(days=RECORDING_DAYS) / max(total // 21, 1)
    index, left = 0, total
    while left > 0:
        case_id, raw = case_events(index)
        raw = raw[:left]
        yield AppendRequest(case_id, tuple(raw), 0, LOADER, FIRST_RECORDED + step * index)
        index, left = index + 1, left - len(raw)


def _no_fsync(dbapi_connection: Any, _record: Any) -> None:
    # Loading only: the log's durability (synchronous=FULL) is not what this benchmark measures.
    dbapi_connection.execute("PRAGMA synchronous = OFF")


def load(engine: Engine, total: int) -> None:
    """Append `total` events through AppendBatch (the group-commit path), a thousand cases per transaction."""
    # Imported here, as bench.synthetic in case_events: the measuring children import this module and must
    # carry only what an export loads, or their peak RSS would not be the export's.
    from audit.append_batch import AppendBatch  # noqa: PLC0415
    from audit.database import driver_transaction  # noqa: PLC0415

    requests, policy = planned_requests(total), AppendPolicy()
    while batch := [r for _, r in zip(range(CASES_PER_BATCH), requests, strict=False)]:
        with driver_transaction(engine) as conn:
            appending = AppendBatch(conn, batch, policy=policy)
            for request in batch:
                appending.add(request)
            appending.write()


def event_count(engine: Engine) -> int:
    """Events in the log."""
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(events)).scalar_one())


def build(path: Path, total: int) -> None:
    """The log of `total` events at `path` (reused when it already holds them) and a signed checkpoint of it."""
    from audit.migrate import upgrade  # noqa: PLC0415 - loading only (see load)

    engine = make_engine(f"sqlite:///{path}")
    event.listen(engine, "connect", _no_fsync)
    upgrade(engine)
    started = time.perf_counter()
    if event_count(engine) not in (0, total):
        raise SystemExit(f"{path} holds another number of events than {total:,}: remove it or pick another --db")
    if not event_count(engine):
        load(engine, total)
        print(f"loaded {total:,} events in {time.perf_counter() - started:.0f} s")
    # Every export signs a checkpoint first; made here, so that each measured export finds it already signed.
    create_checkpoint(engine, load_or_create_key(path.with_suffix(".pem")), now=NOW)
    engine.dispose()


# --- one measurement, in a fresh process -----------------------------------------------------------------------


def scope_of(days: int) -> PortfolioScope:
    """The cases recorded in the quarter's first `days` days (all of them for RECORDING_DAYS or more)."""
    first = FIRST_RECORDED.date()
    return PortfolioScope(recorded_from=first, recorded_to=first + timedelta(days=days))


def event_stream(conn: Connection, kind: str, scope: PortfolioScope, *, upto: int) -> Iterator[bytes]:
    """events.jsonl or events.csv as the portfolio export writes them: its page query, zones and formatting."""
    zones_of = CaseZones(conn)
    if kind == "csv":
        yield from csv_lines(EVENT_COLUMNS, [])
    for rows in scoped_event_rows(conn, scope, upto=upto):
        if kind == "jsonl":
            yield jsonl_page(rows)
            continue
        yield csv_page(rows, zones_of.page(rows))


def peak_rss_mb() -> float:
    """This process's peak resident memory: VmHWM, which counts this program alone.

    Not ru_maxrss: a process started by vfork (subprocess) inherits its parent's peak in it at exec.
    """
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def ours(kind: str, db: Path, out: Path, *, days: int) -> dict[str, Any]:
    """Run one of our exports into `out`, in this process: figures of the export alone (imports done)."""
    engine = make_engine(f"sqlite:///{db}")
    key = load_or_create_key(db.with_suffix(".pem"))
    checkpoint = latest_checkpoint(engine)
    assert checkpoint is not None  # noqa: S101 - build() signs one
    before = peak_rss_mb()
    started, cpu = time.perf_counter(), time.process_time()
    with out.open("wb") as sink:
        if kind == "portfolio":
            request = ExportRequest(key=key, now=NOW, actor=EXAMINER)
            for block in export_portfolio(engine, scope_of(days), request):
                sink.write(block)
        else:
            with engine.connect() as conn:
                for block in event_stream(conn, kind, scope_of(days), upto=checkpoint.tree_size):
                    sink.write(block)
    return {"wall": time.perf_counter() - started, "cpu": time.process_time() - cpu,
            "rss_before_mb": before, "rss_mb": peak_rss_mb()}


def count_lines(path: Path) -> int:
    """Newlines in a file (a check that every row was written)."""
    lines = 0
    with path.open("rb") as source:
        while block := source.read(1 << 20):
            lines += block.count(b"\n")
    return lines


def measure(kind: str, db: Path, folder: Path, *, upto: int, days: int) -> dict[str, Any]:
    """Run one contender in a fresh process and return its figures (its output file is removed afterwards)."""
    out = folder / f"{kind}.out"
    if kind.startswith("sqlite3"):
        query = f"SELECT {COLUMNS} FROM events WHERE position <= {upto} ORDER BY position"  # noqa: S608 - an int
        command = [sys.executable, "-S", "-c", WRAPPER, SQLITE3, kind.removeprefix("sqlite3"), str(db), str(out), query]
    else:
        command = [sys.executable, "-m", "bench.export", "--child", kind, "--db", str(db), "--out", str(out),
                   "--days", str(days)]
    try:
        done = subprocess.run(command, capture_output=True, text=True, check=True)  # noqa: S603
        figures = dict(json.loads(done.stdout.splitlines()[-1]))
        figures["bytes"] = out.stat().st_size
        figures["lines"] = count_lines(out) if kind != "portfolio" else None
    except subprocess.CalledProcessError as exc:
        raise SystemExit(f"{kind} failed:\n{exc.stderr}") from None
    finally:
        out.unlink(missing_ok=True)
    return figures


# --- the run ---------------------------------------------------------------------------------------------------

CONTENDERS = (("sqlite3 -json", "sqlite3-json"), ("ours events.jsonl", "jsonl"),
              ("sqlite3 -csv", "sqlite3-csv"), ("ours events.csv", "csv"))
REFERENCE_OF = {"jsonl": "sqlite3-json", "csv": "sqlite3-csv"}
HEADER = (f"  {'':22s} {'wall s':>7s} {'events/s':>10s} {'MB/s':>6s}   {'CPU s':>6s} {'events/CPU s':>12s}   "
          f"{'peak RSS MB':>11s}")


def best_of(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """The run with the least wall time, with the least CPU time and the highest peak RSS of all runs."""
    best = dict(min(runs, key=lambda r: r["wall"]))
    best["cpu"] = min(r["cpu"] for r in runs)
    best["rss_mb"] = max(r["rss_mb"] for r in runs)
    return best


def row_text(name: str, figures: dict[str, Any], *, events_: int) -> str:
    """One line of the table."""
    wall, cpu = figures["wall"], figures["cpu"]
    return (f"  {name:22s} {wall:7.2f} {events_ / wall:10,.0f} {figures['bytes'] / 1e6 / wall:6.1f}   {cpu:6.2f} "
            f"{events_ / cpu:12,.0f}   {figures['rss_mb']:11.1f}")


def verdict(ours_: dict[str, Any], theirs: dict[str, Any]) -> str:
    """Throughput ratios against the reference (wall, CPU), peak RSS, and the goals."""
    wall, cpu = theirs["wall"] / ours_["wall"], theirs["cpu"] / ours_["cpu"]
    met = wall >= GOAL_RATIO and ours_["rss_mb"] < GOAL_RSS_MB
    return (f"    ratio {wall:.2f}x wall, {cpu:.2f}x CPU (goal >= {GOAL_RATIO:.2f}x); "
            f"peak RSS {ours_['rss_mb']:.0f} MB (goal < {GOAL_RSS_MB:.0f} MB): {'OK' if met else 'MISSED'}")


def compare(db: Path, folder: Path, *, upto: int, repeat: int) -> dict[str, dict[str, Any]]:
    """Ours against sqlite3 over the whole log, interleaved, best of `repeat`; printed as a table."""
    runs: dict[str, list[dict[str, Any]]] = {kind: [] for _, kind in CONTENDERS}
    for _ in range(repeat):
        for _, kind in CONTENDERS:
            runs[kind].append(measure(kind, db, folder, upto=upto, days=RECORDING_DAYS + 1))
    best = {kind: best_of(found) for kind, found in runs.items()}
    print(HEADER)
    for name, kind in CONTENDERS:
        assert best[kind]["lines"] >= upto, f"{kind} wrote {best[kind]['lines']} lines"  # noqa: S101
        print(row_text(name, best[kind], events_=upto))
        if kind in REFERENCE_OF:
            print(verdict(best[kind], best[REFERENCE_OF[kind]]))
    return best


def scoped_count(db: Path, scope: PortfolioScope, *, upto: int) -> int:
    """How many events a scope exports."""
    engine = make_engine(f"sqlite:///{db}")
    with engine.connect() as conn:
        query = select(func.count()).select_from(events).where(events.c.position <= upto, scope.case_filter(conn))
        count = int(conn.execute(query).scalar_one())
    engine.dispose()
    return count


def by_size(db: Path, folder: Path, *, upto: int, repeat: int, portfolio: bool,
            full: dict[str, dict[str, Any]]) -> None:
    """Our exports over a tenth of the log and over all of it: throughput and peak RSS side by side."""
    days = RECORDING_DAYS // 10
    small_events = scoped_count(db, scope_of(days), upto=upto)
    print(f"\n  by size: {small_events:,} events (the cases recorded in the first {days} days) | all {upto:,}")
    print(f"  {'':22s} {'events/s':>10s} {'CPU s':>6s} {'RSS MB':>7s} | {'events/s':>10s} {'CPU s':>6s} "
          f"{'RSS MB':>7s}   imports alone")
    for kind in ("jsonl", "csv", "portfolio") if portfolio else ("jsonl", "csv"):
        small = best_of([measure(kind, db, folder, upto=upto, days=days) for _ in range(repeat)])
        whole = full.get(kind) or measure(kind, db, folder, upto=upto, days=RECORDING_DAYS + 1)
        label = "ours portfolio zip" if kind == "portfolio" else f"ours events.{kind}"
        met = max(small["rss_mb"], whole["rss_mb"]) < GOAL_RSS_MB
        print(f"  {label:22s} {small_events / small['wall']:10,.0f} {small['cpu']:6.1f} {small['rss_mb']:7.1f} | "
              f"{upto / whole['wall']:10,.0f} {whole['cpu']:6.1f} {whole['rss_mb']:7.1f}   "
              f"{whole['rss_before_mb']:.0f} MB   {'OK' if met else 'MISSED'} (< {GOAL_RSS_MB:.0f} MB)")


def run(args: argparse.Namespace) -> None:
    """Build (or reuse) the log, compare with sqlite3, and show memory against size."""
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        db = Path(args.db) if args.db else folder / "export.db"
        build(db, args.events)
        print(f"\n{args.events:,} events ({db.stat().st_size / 1e6:,.0f} MB of SQLite); each run a fresh process, "
              f"best of {args.repeat}; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
        full = compare(db, folder, upto=args.events, repeat=args.repeat)
        by_size(db, folder, upto=args.events, repeat=args.repeat, portfolio=not args.skip_portfolio, full=full)


def main() -> None:
    """Parse arguments, then run the benchmark (or, with --child, one measurement of ours)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--db", help="keep the log in this file (reused when it holds --events events)")
    parser.add_argument("--skip-portfolio", action="store_true", help="leave out the whole portfolio zip")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    parser.add_argument("--days", type=int, default=RECORDING_DAYS + 1, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(ours(args.child, Path(args.db), Path(args.out), days=args.days)))
    else:
        run(args)


if __name__ == "__main__":
    main()

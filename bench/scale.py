"""`python -m bench.scale`: the scale run of issue 8 on SQLite and PostgreSQL, each step against a reference.

`.venv/bin/python -m bench.scale [--events 1000000] [--cases 100000] [--db sqlite postgres] [--skip STEP ...]`

A deterministic portfolio (bench/synthetic.py stories, each case cut or padded with notes to its share of
`--events`; case C-000000 is the `--trail`-event trail read) goes through the service's own components:
  load    audit.importer.import_case per case file (the `compliance import` path: validated, hash-chained,
          idempotency key), `--per-commit` cases per durable transaction (SQLite WAL + synchronous=FULL); on a
          PostgreSQL server with autovacuum off, ANALYZE in its place (StatisticsKeeper).
          Reference: the raw driver's executemany of the same events rows into a fresh database (same schema).
  clocks  audit.projections.rebuild: every case's clocks computed from the log and written to clock_rows.
          Reference: the engine alone (compliance.engine.compute_clocks) on the same case files in memory.
  read    audit.reads.case_events of the trail case, `--reads` times: p50 / p99. Reference: the same query
          through the raw driver.
  scan    audit.scans.scan_breaches at the scan instant (after every recorded event): the first scan after
          boarding, so it raises the portfolio's whole backlog (alert row + deadline_breached event each).
          Reference: the raw indexed query returning the same due clock rows.
  export  audit.export.portfolio.export_portfolio of every case (zip to a file; signs a checkpoint first).
          Reference: the database's own CSV dump of the events table (sqlite3 -csv; PostgreSQL COPY).
  verify  audit.verify.verify_log of the whole chain and its checkpoints. Reference: the raw driver reading
          every events row and SHA-256 of its fields (the floor of any recomputation).
Each step prints elapsed seconds, rate, this process's CPU seconds and its peak RSS during the step (VmHWM,
reset before each step; PostgreSQL's own server processes are not in it). The databases are kept (SQLite in
`--dir`, PostgreSQL as database scale_<events>_<cases>): a new run resumes an interrupted load and the steps
of `--skip` are left out; `--fresh` starts over.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import sqlite3
import statistics
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
from sqlalchemy import Engine, func, select, text

from audit.database import make_engine, write_transaction
from audit.export.portfolio import export_portfolio
from audit.export.portfolio_scope import PortfolioScope
from audit.export.request import ExportRequest
from audit.importer import import_case
from audit.migrate import upgrade
from audit.projections import Projector, rebuild
from audit.reads import case_events, recorded_at_text
from audit.scans import MonitoringPolicy, scan_breaches
from audit.schema import events
from audit.signing import load_or_create_key, public_key_pem
from audit.store import Actor, AppendPolicy
from audit.verify import verify_log
from bench.synthetic import case_file as synthetic_case
from compliance.casefile import parse_casefile
from compliance.engine import compute_clocks
from timelines.calendar import calendar_for

STEPS = ("load", "clocks", "read", "scan", "export", "verify")
SEED = 8
CALENDAR = "us-6103a"
FIRST_RECORDED = datetime(2026, 6, 1, 13, 0, tzinfo=UTC)  # after every synthetic story has happened
RECORDING_DAYS = 90  # the portfolio is boarded over a quarter
SCAN_AT = datetime(2026, 9, 15, 16, 0, tzinfo=UTC)  # the scan and export instant: after every recorded event
LOADER = Actor("bench-scale-import", "admin")  # the actor `compliance import` records with
EXAMINER = Actor("bench-examiner", "examiner")
NOTE = {"text": "Borrower called back; file reviewed, no change."}
PG_ADMIN = os.environ.get("COMPLIANCE_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
RAW_PAGE = 10_000
RAW_DUE = (
    "SELECT clock_id, case_id, rule, due, timezone, team, manager_id, breach_at FROM clock_rows "
    "WHERE breach_at IS NOT NULL AND breach_at <= :now ORDER BY breach_at, clock_id"
)


# --- the portfolio --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Portfolio:
    """`events` events in `cases` case files (CONTRACT §5); case 0 holds `trail` events, the others share the rest."""

    events: int
    cases: int
    trail: int

    def __post_init__(self) -> None:
        if self.cases < 2 or self.events < self.trail + 2 * (self.cases - 1):
            raise SystemExit("need at least 2 cases and 2 events per case besides the trail case")

    def length(self, index: int) -> int:
        """Events of case `index`, its case_opened included."""
        if index == 0:
            return self.trail
        share, extra = divmod(self.events - self.trail, self.cases - 1)
        return share + (index - 1 < extra)

    def case_file(self, index: int) -> dict[str, Any]:
        """Case `index`: a synthetic story cut to its length (a prefix in legal-date order is a valid history)
        or padded with notes after its last event."""
        story = synthetic_case(SEED, index)
        wanted = self.length(index) - 1  # the importer turns the `case` object into case_opened
        body = story["events"][:wanted]
        body += [{"type": "note_added", "occurred_at": body[-1]["occurred_at"], "data": NOTE}] * (wanted - len(body))
        case = {**story["case"], "loan_id": f"L-{index:07d}", "borrower_ref": f"BR-{index:07d}"}
        return {"case": case, "calendar": CALENDAR, "as_of": SCAN_AT.date().isoformat(), "events": body}

    def recorded_at(self, index: int) -> datetime:
        """When case `index` is boarded: spread over the quarter, in case order."""
        return FIRST_RECORDED + timedelta(days=RECORDING_DAYS) * index / self.cases

    @property
    def trail_case(self) -> str:
        """The id of the case whose trail is read."""
        return str(synthetic_case(SEED, 0)["case"]["id"])


# --- measuring ------------------------------------------------------------------------------------------------


@dataclass
class Span:
    """Wall and CPU seconds of a measured block and the peak RSS during it."""

    seconds: float = 0.0
    cpu: float = 0.0
    rss_mb: float = 0.0
    excluded: list[float] = field(default_factory=lambda: [0.0, 0.0])  # untimed work inside: wall, CPU

    @contextmanager
    def untimed(self) -> Iterator[None]:
        """Work inside the measured block that is not part of the figure (generating input)."""
        wall, cpu = time.perf_counter(), time.process_time()
        yield
        self.excluded[0] += time.perf_counter() - wall
        self.excluded[1] += time.process_time() - cpu


@contextmanager
def measured() -> Iterator[Span]:
    """Time the block (wall and this process's CPU) and take its peak RSS."""
    _reset_peak_rss()
    span = Span()
    wall, cpu = time.perf_counter(), time.process_time()
    yield span
    span.seconds = time.perf_counter() - wall - span.excluded[0]
    span.cpu = time.process_time() - cpu - span.excluded[1]
    span.rss_mb = peak_rss_mb()


def _reset_peak_rss() -> None:
    # Linux resets VmHWM to the current RSS on "5" (proc(5), /proc/pid/clear_refs): a per-step peak.
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        pass


def peak_rss_mb() -> float:
    """This process's peak resident memory since the last reset (VmHWM)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def report(
    step: str,
    count: int,
    unit: str,
    span: Span,
    *,
    ref: str = "",
    ref_seconds: float = 0.0,
    note: str = "",
    by_cpu: bool = False,
) -> None:
    """One figure: elapsed, rate, CPU, peak RSS; its reference and the ratio (ours / reference) when it has one.

    The ratio compares wall seconds, or CPU seconds with `by_cpu` (when the reference is measured in CPU time).
    """
    rate = count / span.seconds if span.seconds else 0.0
    line = (
        f"  {step:<7} {count:>10,} {unit:<8} {span.seconds:9.2f} s {rate:>11,.0f}/s  cpu {span.cpu:8.2f} s"
        f"  peak {span.rss_mb:6.0f} MB"
    )
    if ref:
        ours, kind = (span.cpu, "CPU") if by_cpu else (span.seconds, "wall")
        line += f"\n          reference: {ref} {ref_seconds:.2f} s, ratio {ours / ref_seconds:.2f}x ({kind} time)"
    print(line + (f"\n          {note}" if note else ""), flush=True)


# --- the databases --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Database:
    """One backend's database of this size: where it is, its raw-driver twin, and how to reach both."""

    backend: str
    name: str
    folder: Path

    @property
    def url(self) -> str:
        """The SQLAlchemy URL of this database."""
        return self.url_of(self.name)

    def url_of(self, name: str) -> str:
        """The SQLAlchemy URL of database `name` of this backend."""
        if self.backend == "sqlite":
            return f"sqlite:///{self.folder / name}.db"
        return f"postgresql+psycopg://{PG_ADMIN.split('://', 1)[1].rsplit('/', 1)[0]}/{name}"

    def key_path(self) -> Path:
        """The checkpoint-signing key of this database."""
        return self.folder / f"{self.name}-{self.backend}.pem"

    def create(self, name: str, *, fresh: bool) -> None:
        """Make database `name` exist (empty when `fresh`)."""
        if self.backend == "sqlite":
            self.folder.mkdir(parents=True, exist_ok=True)
            if fresh:
                for suffix in (".db", ".db-wal", ".db-shm"):
                    (self.folder / f"{name}{suffix}").unlink(missing_ok=True)
            return
        with psycopg.connect(PG_ADMIN.replace("postgresql+psycopg://", "postgresql://"), autocommit=True) as admin:
            exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
            if exists and fresh:
                admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
            if not exists or fresh:
                admin.execute(f'CREATE DATABASE "{name}"')

    def raw(self, name: str | None = None) -> Any:
        """A bare driver connection (sqlite3 / psycopg) to database `name` (this one by default)."""
        if self.backend == "sqlite":
            conn = sqlite3.connect(self.folder / f"{name or self.name}.db", isolation_level=None)
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = FULL")  # as durable as the store's own connections
            return conn
        return psycopg.connect(self.url_of(name or self.name).replace("postgresql+psycopg://", "postgresql://"))

    def param(self) -> str:
        """The driver's placeholder."""
        return "?" if self.backend == "sqlite" else "%s"


def pg_reachable() -> str:
    """'' when the PostgreSQL server answers, else why not."""
    try:
        with psycopg.connect(PG_ADMIN.replace("postgresql+psycopg://", "postgresql://"), connect_timeout=3):
            return ""
    except psycopg.Error as exc:
        return str(exc).splitlines()[0]


def count_cases(engine: Engine) -> int:
    """Cases in the log (their case_opened events)."""
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).where(events.c.type == "case_opened")).scalar_one())


# --- the steps ------------------------------------------------------------------------------------------------


def load(db: Database, engine: Engine, portfolio: Portfolio, *, per_commit: int) -> None:
    """Board every case through the importer, `per_commit` cases per transaction; resume after the last one."""
    done = count_cases(engine)
    if done == portfolio.cases:
        print(f"  load    already loaded ({portfolio.cases:,} cases): skipped", flush=True)
    else:
        policy = AppendPolicy()  # no projection hook: the clocks step rebuilds them all at once
        statistics_kept = StatisticsKeeper(engine)
        with measured() as span:
            for start in range(done, portfolio.cases, per_commit):
                indexes = range(start, min(start + per_commit, portfolio.cases))
                with span.untimed():
                    files = [portfolio.case_file(i) for i in indexes]
                with write_transaction(engine) as conn:
                    for index, case in zip(indexes, files, strict=True):
                        outcome = import_case(
                            conn,
                            case,
                            source=f"scale:{index}",
                            actor=LOADER,
                            now=portfolio.recorded_at(index),
                            policy=policy,
                        )
                        if outcome.status != "imported":
                            raise SystemExit(outcome.describe())
                statistics_kept.after(len(indexes))
        loaded = sum(portfolio.length(i) for i in range(done, portfolio.cases))
        resumed = f" (resumed after case {done:,})" if done else ""
        resumed += statistics_kept.note()
        ref_seconds = raw_insert(db, portfolio.events, per_commit * portfolio.events // portfolio.cases)
        report(
            "load",
            loaded,
            "events",
            span,
            ref="raw driver executemany of the same rows",
            ref_seconds=ref_seconds,
            note=f"importer, {per_commit:,} cases per transaction{resumed}; generating the case files excluded",
        )


class StatisticsKeeper:
    """What autovacuum would do during a load, on a PostgreSQL server that has it off (this machine's does).

    The importer's idempotency lookup (audit.append_sql) is planned from table statistics: never analyzed,
    idempotency_keys is scanned whole for every case (a hash join), and the load slows as it grows
    (measured: 400 events/s at 250,000 events and falling, 3,000/s again right after one ANALYZE). A
    production server runs autovacuum, which analyzes a table once 10% of it (+ 50 rows) changed: so does
    this, and its time counts in the load's.
    """

    def __init__(self, engine: Engine) -> None:
        self.engine, self.runs, self.cases, self.analyzed_at = engine, 0, 0, 0
        self.active = engine.dialect.name == "postgresql" and not self._autovacuum()

    def _autovacuum(self) -> bool:
        with self.engine.connect() as conn:
            return conn.execute(text("SHOW autovacuum")).scalar_one() == "on"

    def after(self, cases: int) -> None:
        """Analyze the tables the load grows once they grew by autovacuum's default share since last time."""
        self.cases += cases
        if not self.active or self.cases - self.analyzed_at <= 0.1 * self.analyzed_at + 50:
            return
        with self.engine.connect() as conn:
            conn.execute(text("ANALYZE events, idempotency_keys"))
            conn.commit()
        self.runs, self.analyzed_at = self.runs + 1, self.cases

    def note(self) -> str:
        """What the load did in autovacuum's place, if anything."""
        return f"; autovacuum is off on this server: ANALYZE run {self.runs} times in its place" if self.active else ""


def raw_insert(db: Database, total: int, per_commit: int) -> float:
    """Seconds to insert the log's first `total` events rows into a fresh database by the bare driver.

    The rows are read from the loaded log page by page (untimed) and inserted with executemany, one durable
    commit per `per_commit` rows (about as many as the importer commits at once) and a log_head update each.
    """
    twin = f"{db.name}_raw"
    db.create(twin, fresh=True)
    twin_engine = make_engine(db.url_of(twin))
    upgrade(twin_engine)  # the same tables, indexes and triggers as the log
    twin_engine.dispose()
    mark = db.param()
    seconds, after = 0.0, 0
    with closing(db.raw()) as source, closing(db.raw(twin)) as target:
        columns = [c.name for c in events.columns]
        read = (
            f"SELECT {', '.join(columns)} FROM events WHERE position > {mark} AND position <= {mark} "  # noqa: S608
            f"ORDER BY position LIMIT {mark}"
        )
        insert = f"INSERT INTO events ({', '.join(columns)}) VALUES ({', '.join([mark] * len(columns))})"  # noqa: S608
        head = f"UPDATE log_head SET position = {mark}, hash = {mark}, recorded_at = {mark} WHERE id = 1"
        at = {name: columns.index(name) for name in ("position", "hash", "recorded_at")}
        while rows := source.execute(read, (after, total, max(per_commit, 1))).fetchall():
            started = time.perf_counter()
            cursor = target.cursor()
            if db.backend == "sqlite":
                cursor.execute("BEGIN IMMEDIATE")
            cursor.executemany(insert, rows)
            last = rows[-1]
            cursor.execute(head, (last[at["position"]], last[at["hash"]], last[at["recorded_at"]]))
            target.commit() if db.backend == "postgresql" else cursor.execute("COMMIT")
            seconds += time.perf_counter() - started
            after = last[at["position"]]
            if db.backend == "postgresql":
                source.commit()  # no long-lived snapshot on the source while the twin fills
    return seconds


def clocks(engine: Engine, portfolio: Portfolio) -> None:
    """Rebuild the projections from the log; the engine alone on the same case files as the reference."""
    with measured() as span:
        rebuilt = rebuild(engine, calendar=CALENDAR)
    ref_seconds, ref_clocks = engine_alone(portfolio)
    report(
        "clocks",
        rebuilt.cases,
        "cases",
        span,
        ref="compliance.engine.compute_clocks on the same case files in memory (CPU s)",
        ref_seconds=ref_seconds,
        by_cpu=True,
        note=f"audit.projections.rebuild: {rebuilt.events:,} events read, {rebuilt.clocks:,} clock rows written "
        f"({ref_clocks:,} clocks from the engine alone), {rebuilt.failed} cases failed",
    )


def engine_alone(portfolio: Portfolio) -> tuple[float, int]:
    """CPU seconds of compute_clocks over every case file (parsing untimed) and the clocks it returns."""
    calendar, seconds, total = calendar_for(CALENDAR), 0.0, 0
    for start in range(0, portfolio.cases, 1_000):
        files = [
            parse_casefile(portfolio.case_file(i), default_as_of=SCAN_AT.date())
            for i in range(start, min(start + 1_000, portfolio.cases))
        ]
        started = time.process_time()
        for case in files:
            total += len(compute_clocks(case.case_id, case.profile, case.events, calendar, case.as_of))
        seconds += time.process_time() - started
    return seconds, total


def read_trail(db: Database, engine: Engine, portfolio: Portfolio, *, reads: int) -> None:
    """p50 / p99 of reading the trail case whole, ours and the raw driver's, interleaved."""
    case_id = portfolio.trail_case
    query = f"SELECT * FROM events WHERE case_id = {db.param()} ORDER BY version"  # noqa: S608
    ours: list[float] = []
    raw: list[float] = []
    with measured() as span, closing(db.raw()) as conn:
        found = len(case_events(engine, case_id))  # warm: the first read pays for compiling the statement
        conn.execute(query, (case_id,)).fetchall()
        for _ in range(reads):
            started = time.perf_counter()
            case_events(engine, case_id)
            ours.append(time.perf_counter() - started)
            started = time.perf_counter()
            conn.execute(query, (case_id,)).fetchall()
            raw.append(time.perf_counter() - started)
            if db.backend == "postgresql":
                conn.commit()
    span.seconds = sum(ours)
    p50, p99, r50, r99 = (statistics.quantiles(t, n=100)[i] * 1000 for t in (ours, raw) for i in (49, 98))
    report(
        "read",
        reads,
        "reads",
        span,
        ref="raw driver, same query, same reads",
        ref_seconds=sum(raw),
        note=f"audit.reads.case_events of {case_id} ({found} events): p50 {p50:.2f} ms, p99 {p99:.2f} ms; "
        f"raw p50 {r50:.2f} ms, p99 {r99:.2f} ms",
    )


def scan(engine: Engine) -> None:
    """The breach scan at SCAN_AT: the raw query of the due rows first (reference), then the scan itself."""
    with engine.connect() as conn:
        started = time.perf_counter()
        due = len(conn.execute(text(RAW_DUE), {"now": recorded_at_text(SCAN_AT)}).all())
        ref_seconds = time.perf_counter() - started
    policy = MonitoringPolicy(append=AppendPolicy(on_appended=Projector(calendar=CALENDAR)))
    with measured() as span:
        raised = scan_breaches(engine, now=SCAN_AT, policy=policy)
    note = (
        "audit.scans.scan_breaches: an alert row and a deadline_breached event per breach, "
        f"{due:,} due clock rows found by the raw query"
    )
    if not raised:
        note += " (none left: an earlier run raised them)"
    report(
        "scan",
        len(raised),
        "alerts",
        span,
        ref="raw indexed query of the due clock rows",
        ref_seconds=max(ref_seconds, 1e-9),
        note=note,
    )


def export(db: Database, engine: Engine) -> None:
    """The portfolio export of every case into a zip file; the database's own CSV dump as the reference."""
    key = load_or_create_key(db.key_path())
    scope = PortfolioScope(recorded_from=FIRST_RECORDED.date(), recorded_to=SCAN_AT.date())
    out = db.folder / f"{db.name}-{db.backend}-portfolio.zip"
    with measured() as span, out.open("wb") as sink:
        for block in export_portfolio(engine, scope, ExportRequest(key=key, now=SCAN_AT, actor=EXAMINER)):
            sink.write(block)
    with engine.connect() as conn:
        total = int(conn.execute(select(func.count()).select_from(events)).scalar_one())
    ref_seconds, ref_bytes = csv_dump(db, out.with_suffix(".csv"))
    report(
        "export",
        total,
        "events",
        span,
        ref=f"the database's CSV dump of the events table ({db.backend})",
        ref_seconds=ref_seconds,
        note=f"audit.export.portfolio.export_portfolio, {out.stat().st_size / 1e6:,.1f} "
        f"MB zip (checkpoint signed first); the dump wrote {ref_bytes / 1e6:,.1f} MB",
    )


def csv_dump(db: Database, out: Path) -> tuple[float, int]:
    """Seconds and bytes of `sqlite3 -csv` (SQLite) or COPY ... TO STDOUT CSV (PostgreSQL) of every event."""
    columns = ", ".join(c.name for c in events.columns)
    query = f"SELECT {columns} FROM events ORDER BY position"  # noqa: S608
    started = time.perf_counter()
    with out.open("wb") as sink:
        if db.backend == "sqlite":
            subprocess.run(
                ["sqlite3", "-csv", str(db.folder / f"{db.name}.db"), query],  # noqa: S603, S607
                stdout=sink,
                check=True,
            )
        else:
            with closing(db.raw()) as conn, conn.cursor().copy(f"COPY ({query}) TO STDOUT CSV") as copy:
                for block in copy:
                    sink.write(block)
    return time.perf_counter() - started, out.stat().st_size


def verify(db: Database, engine: Engine) -> None:
    """verify_log of the whole chain; the raw driver reading and hashing the same rows as the reference."""
    key = load_or_create_key(db.key_path())
    with measured() as span:
        outcome = verify_log(engine, public_key_pem(key))
    if not outcome.ok:
        raise SystemExit(f"verification failed: {outcome.findings[:3]}")
    note = f"audit.verify.verify_log: chain intact, {outcome.checkpoints_checked} checkpoints"
    report(
        "verify",
        outcome.events_checked,
        "events",
        span,
        ref="raw driver reading every row + SHA-256 of its fields",
        ref_seconds=hash_rows(db),
        note=note,
    )


def hash_rows(db: Database) -> float:
    """Seconds to read every events row in position order and SHA-256 its fields (a server-side cursor)."""
    columns = ", ".join(c.name for c in events.columns)
    query = f"SELECT {columns} FROM events ORDER BY position"  # noqa: S608
    started = time.perf_counter()
    with closing(db.raw()) as conn:
        cursor = conn.cursor("scale_hash") if db.backend == "postgresql" else conn.cursor()
        cursor.execute(query)
        while rows := cursor.fetchmany(RAW_PAGE):
            for row in rows:
                hashlib.sha256("\x1f".join(map(str, row)).encode()).digest()
    return time.perf_counter() - started


# --- the command ----------------------------------------------------------------------------------------------


def run(backend: str, portfolio: Portfolio, opts: argparse.Namespace) -> None:
    """Every step not skipped, on one backend."""
    db = Database(backend, f"scale_{portfolio.events}_{portfolio.cases}", opts.dir)
    db.create(db.name, fresh=opts.fresh)
    engine = make_engine(db.url)
    upgrade(engine)
    print(f"\n[{backend}] {portfolio.events:,} events in {portfolio.cases:,} cases ({db.url})", flush=True)
    steps: dict[str, Callable[[], None]] = {
        "load": lambda: load(db, engine, portfolio, per_commit=opts.per_commit),
        "clocks": lambda: clocks(engine, portfolio),
        "read": lambda: read_trail(db, engine, portfolio, reads=opts.reads),
        "scan": lambda: scan(engine),
        "export": lambda: export(db, engine),
        "verify": lambda: verify(db, engine),
    }
    started = time.perf_counter()
    for name in STEPS:
        if name not in opts.skip:
            steps[name]()
    engine.dispose()
    print(f"  [{backend}] all steps: {time.perf_counter() - started:.0f} s", flush=True)


def main(argv: list[str] | None = None) -> None:
    """Parse arguments and run the scale run on each database asked for."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--trail", type=int, default=50, help="events of the case whose trail is read")
    parser.add_argument("--db", nargs="+", choices=("sqlite", "postgres"), default=["sqlite", "postgres"])
    parser.add_argument("--skip", nargs="+", choices=STEPS, default=[], help="steps to leave out")
    parser.add_argument("--fresh", action="store_true", help="drop the kept databases and start over")
    parser.add_argument("--per-commit", type=int, default=1_000, help="cases per import transaction")
    parser.add_argument("--reads", type=int, default=200)
    parser.add_argument("--dir", type=Path, default=Path("var/bench-scale"), help="SQLite files, keys, exports")
    opts = parser.parse_args(argv)
    portfolio = Portfolio(opts.events, opts.cases, opts.trail)
    for backend in opts.db:
        if backend == "postgres":
            why = pg_reachable()
            if why:
                print(f"\n[postgresql] skipped: no server answers at {PG_ADMIN} ({why})")
                continue
        run("sqlite" if backend == "sqlite" else "postgresql", portfolio, opts)


if __name__ == "__main__":
    main()

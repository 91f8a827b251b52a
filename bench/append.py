"""Durable appends per second: audit.store.append against the raw driver and the eventsourcing library (issue 2).

Every contender commits each event durably (SQLite: WAL + synchronous=FULL; PostgreSQL: synchronous_commit=on,
checked before measuring), into a fresh database of its own per measurement, after an untimed warm-up. The
machine is shared, so the three contenders run in interleaved slices: the same disk noise falls on each.
  ours           audit.store.append, one event per call, validation and hash chain included, without an
                 on_appended hook (the API's projections, issue 4, are not measured here); with 8 writers
                 the same calls through audit.group_commit.GroupCommitter (one durable commit per group).
  raw            sqlite3 / psycopg: INSERT the same events row and UPDATE the log head, one transaction per row
                 (rows built before timing: the floor for these rows on this disk).
  eventsourcing  Application.save of one new event of an aggregate, per call (library version as installed;
                 its SQLite connections get synchronous=FULL, which the library leaves at SQLite's default).
Under each line: the durability settings each contender's connection reports, and on SQLite the WAL pages a
commit writes per event (each a page synced at COMMIT: the events row, every index it enters, the log head row).
"""

from __future__ import annotations

import argparse
import itertools
import os
import sqlite3
import statistics
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg
from eventsourcing import persistence as es_persistence
from eventsourcing import sqlite as es_sqlite
from eventsourcing.application import Application
from eventsourcing.domain import Aggregate, event
from sqlalchemy.exc import DBAPIError

from audit.append_rows import new_id_and_salt
from audit.canonical import canonical_json, event_hash
from audit.database import make_engine
from audit.group_commit import GroupCommitter
from audit.migrate import upgrade
from audit.reads import recorded_at_text
from audit.schema import GENESIS_HASH
from audit.store import Actor, append
from bench.databases import Databases

NOW = datetime(2026, 7, 10, 15, 0, tzinfo=UTC)
ACTOR = Actor("bench-writer", "specialist")
CASES_PER_WRITER = 8
GOAL_SINGLE, GOAL_WRITERS = 1.0, 2.0  # issue 2: x the eventsourcing rate
PAGE_SAMPLE = 12  # events per writer sampled for the WAL pages per event (after the timed slices)
WAL_HEADER, WAL_FRAME_HEADER = 32, 24  # bytes (sqlite.org/fileformat.html, "WAL file format")
OPENED = {"type": "case_opened", "occurred_at": "2026-07-01",
          "data": {"loan_id": "L-1", "borrower_ref": "B-1", "property_state": "NY"}}


def received(application_id: str) -> dict[str, Any]:
    """The event every contender writes: an application received (a short payload, as most events are)."""
    return {"type": "application_received", "occurred_at": "2026-07-02", "data": {"application_id": application_id}}


def case_of(writer: int, number: int) -> str:
    """Each writer appends round-robin to cases of its own (no optimistic-concurrency retries to count)."""
    return f"C-{writer}-{number % CASES_PER_WRITER}"


def run_writers(writers: int, count: int, one: Callable[[int, int], None]) -> None:
    """Call one(writer, number) `count` times in all: in this thread if writers == 1, else in that many threads.

    A writer thread's failure is raised here: a measurement with fewer events than counted would be a lie.
    """
    if writers == 1:
        for number in range(count):
            one(0, number)
        return
    failures: list[BaseException] = []
    threads = [threading.Thread(target=_writer_loop, args=(one, w, count // writers, failures))
               for w in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        raise failures[0]


def _writer_loop(one: Callable[[int, int], None], writer: int, count: int, failures: list[BaseException]) -> None:
    try:
        for number in range(count):
            one(writer, number)
    except BaseException as exc:  # noqa: BLE001 - handed to run_writers, which raises it
        failures.append(exc)


class Ours:
    """audit.store.append; with several writers, through one GroupCommitter (as api/app.py runs it)."""

    name = "ours"

    def __init__(self, url: str, writers: int) -> None:
        self.engine = make_engine(url)
        upgrade(self.engine)
        self.writers = writers
        self.committer = GroupCommitter(self.engine).start() if writers > 1 else None
        self.sequence = itertools.count()
        for writer in range(writers):
            for number in range(CASES_PER_WRITER):
                append(self.engine, case_of(writer, number), [OPENED], expected_version=0, actor=ACTOR, now=NOW)

    def one(self, writer: int, number: int) -> None:
        """One durable append of one event."""
        events = [received(f"A{next(self.sequence)}")]
        if self.committer is None:
            append(self.engine, case_of(writer, number), events, expected_version=None, actor=ACTOR, now=NOW)
        else:
            self.committer.append(case_of(writer, number), events, expected_version=None, actor=ACTOR, now=NOW)

    def durability(self) -> str:
        """The durability settings of the store's own connections."""
        with self.engine.connect() as conn:
            return settings_of(conn.connection.dbapi_connection, postgres=self.engine.dialect.name == "postgresql")

    def note(self) -> str:
        """Appends per durable commit (group commit only)."""
        if self.committer is None or not self.committer.commits:
            return ""
        return f"{self.committer.appends / self.committer.commits:.1f} appends/commit"

    def close(self) -> None:
        """Stop the committer and the engine."""
        if self.committer is not None:
            self.committer.close()
        self.engine.dispose()


def settings_of(dbapi_connection: Any, *, postgres: bool) -> str:
    """What makes a commit durable on this connection, as the database reports it."""
    if postgres:
        names = ("synchronous_commit", "fsync")
        values = [_first(dbapi_connection.execute(f"SHOW {name}").fetchone()) for name in names]
    else:
        names = ("journal_mode", "synchronous")
        values = [_first(dbapi_connection.execute(f"PRAGMA {name}").fetchone()) for name in names]
    return " ".join(f"{n}={v}" for n, v in zip(names, values, strict=True))


def _first(row: Any) -> Any:
    return next(iter(row.values())) if isinstance(row, dict) else row[0]


def chained_rows(writers: int, total: int) -> Iterator[tuple[Any, ...]]:
    """events rows exactly as the store writes them (canonical data, salt, chain hash), built before timing."""
    prev, versions = GENESIS_HASH, dict.fromkeys((case_of(w, n) for w in range(writers)
                                                  for n in range(CASES_PER_WRITER)), 1)
    recorded = recorded_at_text(NOW)
    for position in range(1, total + 1):
        case_id = case_of(position % writers, position // writers)
        versions[case_id] += 1
        event_id, salt = new_id_and_salt()  # the store's own id (time-ordered UUID) and salt forms
        envelope = {"position": position, "id": event_id, "case_id": case_id,
                    "version": versions[case_id], "type": "application_received", "schema_version": 1,
                    "occurred_at": "2026-07-02", "recorded_at": recorded, "actor_id": ACTOR.id,
                    "actor_role": ACTOR.role, "data": {"application_id": f"A{position}"},
                    "idempotency_key": None, "salt": salt}
        digest = event_hash(prev, envelope)
        yield (*{**envelope, "data": canonical_json(envelope["data"])}.values(), prev, digest)
        prev = digest


class Raw:
    """The driver alone: INSERT the events row and UPDATE log_head, one durable transaction per row."""

    name = "raw"
    COLUMNS = ("position, id, case_id, version, type, schema_version, occurred_at, recorded_at, actor_id, "
               "actor_role, data, idempotency_key, salt, prev_hash, hash")

    def __init__(self, url: str, writers: int, *, total: int) -> None:
        engine = make_engine(url)
        upgrade(engine)  # the same tables, indexes and triggers as ours
        engine.dispose()
        self.url, self.postgres = url, url.startswith("postgresql")
        mark = "%s" if self.postgres else "?"
        self.insert = f"INSERT INTO events ({self.COLUMNS}) VALUES ({', '.join([mark] * 15)})"  # noqa: S608
        self.head = f"UPDATE log_head SET position = {mark}, hash = {mark}, recorded_at = {mark} WHERE id = 1"
        self.rows = iter(list(chained_rows(writers, total)))
        self.connections = [self._connect() for _ in range(writers)]  # one per writer, opened before timing

    def _connect(self) -> Any:
        if self.postgres:
            return psycopg.connect(self.url.replace("postgresql+psycopg://", "postgresql://"))
        conn = sqlite3.connect(self.url.removeprefix("sqlite:///"), isolation_level=None, check_same_thread=False)
        for pragma in ("busy_timeout = 30000", "journal_mode = WAL", "synchronous = FULL"):
            conn.execute(f"PRAGMA {pragma}")
        return conn

    def durability(self) -> str:
        """The durability settings of a connection as the writer threads open them."""
        return settings_of(self.connections[0], postgres=self.postgres)

    def one(self, writer: int, _number: int) -> None:
        """One durable transaction writing one prepared row."""
        row, conn = next(self.rows), self.connections[writer]
        if not self.postgres:
            conn.execute("BEGIN IMMEDIATE")
        conn.execute(self.insert, row)
        conn.execute(self.head, (row[0], row[-1], row[7]))
        conn.commit() if self.postgres else conn.execute("COMMIT")

    def note(self) -> str:
        """Nothing to add."""
        return ""

    def close(self) -> None:
        """Close the writers' connections."""
        for conn in self.connections:
            conn.close()


class LoanCase(Aggregate):  # type: ignore[misc]
    """eventsourcing's side: an aggregate that records applications received, as the store's cases do."""

    def __init__(self, case_id: str) -> None:
        self.case_id = case_id
        self.last_application = ""

    @event("ApplicationReceived")
    def receive(self, application_id: str) -> None:
        """One new event: an application received."""
        self.last_application = application_id


@contextmanager
def _sqlite_full_sync() -> Iterator[None]:
    """Every connection the library opens meanwhile gets synchronous=FULL (as ours; the library sets only WAL)."""
    original = es_sqlite.SQLiteConnectionPool._create_connection

    def create(pool: Any) -> Any:
        connection = original(pool)
        connection._sqlite_conn.execute("PRAGMA synchronous = FULL")
        return connection

    es_sqlite.SQLiteConnectionPool._create_connection = create  # type: ignore[method-assign]
    try:
        yield
    finally:
        es_sqlite.SQLiteConnectionPool._create_connection = original  # type: ignore[method-assign]


class EventSourcing:
    """eventsourcing's Application: one new event of an existing aggregate saved per call."""

    name = "eventsourcing"

    def __init__(self, url: str, writers: int) -> None:
        self.stack = ExitStack()
        if url.startswith("sqlite"):
            self.stack.enter_context(_sqlite_full_sync())
            env = {"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": url.removeprefix("sqlite:///"),
                   "SQLITE_LOCK_TIMEOUT": "30"}
        else:
            database = url.rsplit("/", 1)[1]
            env = {"PERSISTENCE_MODULE": "eventsourcing.postgres", "POSTGRES_DBNAME": database,
                   "POSTGRES_HOST": "127.0.0.1", "POSTGRES_PORT": "5432", "POSTGRES_USER": "postgres",
                   "POSTGRES_PASSWORD": "", "POSTGRES_POOL_SIZE": str(writers), "POSTGRES_MAX_OVERFLOW": "0"}
        self.app = Application(env=env)
        self.postgres = not url.startswith("sqlite")
        self.cases = [[LoanCase(case_of(w, n)) for n in range(CASES_PER_WRITER)] for w in range(writers)]
        for own in self.cases:
            self.app.save(*own)
        self.sequence = itertools.count()

    def durability(self) -> str:
        """The durability settings of a connection of the library's own pool."""
        datastore = self.app.recorder.datastore  # type: ignore[attr-defined]
        if self.postgres:
            with datastore.get_connection() as conn:
                return settings_of(conn, postgres=True)
        with datastore.get_connection(commit=False) as conn:
            return settings_of(conn._sqlite_conn, postgres=False)

    def one(self, writer: int, number: int) -> None:
        """One durable save of one new aggregate event."""
        case = self.cases[writer][number % CASES_PER_WRITER]
        case.receive(f"A{next(self.sequence)}")
        self.app.save(case)

    def note(self) -> str:
        """Nothing to add."""
        return ""

    def close(self) -> None:
        """Close the library's connection pool."""
        self.app.close()
        self.stack.close()


@dataclass(frozen=True)
class Outcome:
    """One contender's figure on one path: events written in the timed slices and the seconds they took."""

    name: str
    events: int
    seconds: float
    cpu_seconds: float  # this process's CPU time (user + system; a PostgreSQL server's own is not in it)
    slice_rates: tuple[float, ...]
    note: str

    @property
    def rate(self) -> float:
        """Events per second over all timed slices."""
        return self.events / self.seconds


def measure(
    contenders: Sequence[Any], *, writers: int, events: int, slice_size: int, warm: int
) -> dict[str, Outcome]:
    """Warm each contender up (untimed), then time them in short interleaved slices, rotating who goes first.

    The disk of a shared machine swings between fast and slow within seconds; short slices give each
    contender the same share of both.
    """
    for contender in contenders:
        run_writers(writers, warm, contender.one)
    size = slice_size * writers
    spent: dict[str, list[float]] = {c.name: [] for c in contenders}
    cpu = dict.fromkeys(spent, 0.0)
    for number in range(max(1, events // size)):
        turn = number % len(contenders)
        for contender in [*contenders[turn:], *contenders[:turn]]:
            started, cpu_started = time.perf_counter(), time.process_time()
            run_writers(writers, size, contender.one)
            spent[contender.name].append(time.perf_counter() - started)
            cpu[contender.name] += time.process_time() - cpu_started
    return {c.name: Outcome(c.name, size * len(spent[c.name]), sum(spent[c.name]), cpu[c.name],
                            tuple(size / s for s in spent[c.name]), c.note()) for c in contenders}


def fsync_micros(folder: Path, *, count: int = 200) -> float:
    """Median microseconds of one 4 KiB write + fsync in `folder` (the disk the SQLite files live on)."""
    path = folder / "fsync.probe"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
    timings = []
    try:
        for number in range(count):
            started = time.perf_counter()
            os.pwrite(fd, b"x" * 4096, (number % 16) * 4096)
            os.fsync(fd)
            timings.append(time.perf_counter() - started)
    finally:
        os.close(fd)
        path.unlink()
    return statistics.median(timings) * 1e6


def durable_enough(setting: str) -> bool:
    """SQLite in WAL with synchronous=FULL (2), or PostgreSQL with synchronous_commit and fsync on."""
    wanted = ({"journal_mode=wal", "synchronous=2"} if "journal_mode" in setting
              else {"synchronous_commit=on", "fsync=on"})
    return wanted <= set(setting.split())


def wal_pages_per_event(path: str, writers: int, one: Callable[[int, int], None]) -> float | None:
    """WAL frames (pages) a contender writes per event, from an emptied WAL; None if it cannot be emptied.

    Each frame is a page written and synced at COMMIT, the disk work beyond the fsync itself; with one writer,
    the pages of a commit, with several, a group commit's pages shared among its events.
    """
    with sqlite3.connect(path, isolation_level=None) as probe:
        busy, _, _ = probe.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        page_size = probe.execute("PRAGMA page_size").fetchone()[0]
    wal = Path(f"{path}-wal")
    if busy or wal.stat().st_size:
        return None
    events = PAGE_SAMPLE * writers  # few enough pages not to reach SQLite's auto-checkpoint (1,000)
    run_writers(writers, events, one)
    return (wal.stat().st_size - WAL_HEADER) / (page_size + WAL_FRAME_HEADER) / events


def run_path(
    dbs: Databases, backend: str, *, writers: int, events: int, slice_size: int, warm: int
) -> tuple[dict[str, Outcome], list[str]]:
    """Fresh databases, a check of every contender's durability, the interleaved measurement, then notes.

    The notes name each contender's durability settings and, on SQLite, the pages each commit writes.
    """
    label = "single" if writers == 1 else f"w{writers}"
    contenders: list[Any] = []
    urls: dict[str, str] = {}
    try:
        urls["ours"] = dbs.fresh(backend, f"ours-{label}")
        contenders.append(Ours(urls["ours"], writers))
        rows = warm + events + (slice_size + PAGE_SAMPLE) * writers
        urls["raw"] = dbs.fresh(backend, f"raw-{label}")
        contenders.append(Raw(urls["raw"], writers, total=rows))
        urls["eventsourcing"] = dbs.fresh(backend, f"es-{label}")
        contenders.append(EventSourcing(urls["eventsourcing"], writers))
        settings = []
        for contender in contenders:
            setting = contender.durability()
            if not durable_enough(setting):
                raise SystemExit(f"{backend} {contender.name}: not durable ({setting}); the comparison would be void")
            settings.append(f"{contender.name} {setting}")
        outcomes = measure(contenders, writers=writers, events=events, slice_size=slice_size, warm=warm)
        notes = ["durability as each contender's connection reports it: " + "; ".join(settings)]
        if backend == "sqlite":
            pages = {c.name: wal_pages_per_event(urls[c.name].removeprefix("sqlite:///"), writers, c.one)
                     for c in contenders}
            notes.append("WAL pages written per event: " + ", ".join(
                f"{name} {'?' if value is None else f'{value:.1f}'}" for name, value in pages.items()))
        return outcomes, notes
    finally:
        for contender in contenders:
            contender.close()


def row(backend: str, writers: int, outcomes: dict[str, Outcome]) -> tuple[str, bool]:
    """One line of the table, and whether the issue's goal for this path is met."""
    ours, raw, lib = outcomes["ours"], outcomes["raw"], outcomes["eventsourcing"]
    goal = GOAL_SINGLE if writers == 1 else GOAL_WRITERS
    ratio = ours.rate / lib.rate
    per_slice = statistics.quantiles([o / e for o, e in zip(ours.slice_rates, lib.slice_rates, strict=True)], n=4)
    path = "single" if writers == 1 else f"{writers} writers"
    verdict = "met" if ratio >= goal else "NOT met"
    cpu = "/".join(f"{o.cpu_seconds / o.events * 1e6:.0f}" for o in (ours, raw, lib))
    text = (f"{backend:<10} {path:<10} {ours.rate:>9,.0f} {raw.rate:>9,.0f} {lib.rate:>9,.0f} "
            f"{ratio:>7.2f}x {ours.rate / raw.rate:>7.2f}x   >= {goal:.1f}x {verdict:<8}"
            f" slices p25-p75 {per_slice[0]:.2f}-{per_slice[2]:.2f}x; cpu us/event {cpu}; {ours.note}")
    return text, ratio >= goal


def machine_notes(dbs: Databases, backends: Sequence[str]) -> list[str]:
    """CPU count, load, the cost of one fsync on the SQLite disk, versions and the PostgreSQL commit settings."""
    from importlib.metadata import version

    notes = [f"CPUs: {os.cpu_count()}; load average {', '.join(f'{x:.2f}' for x in os.getloadavg())}",
             f"fsync of 4 KiB on the SQLite folder's disk: median {fsync_micros(dbs.folder):,.0f} us",
             f"SQLite {sqlite3.sqlite_version}; eventsourcing {version('eventsourcing')}; "
             f"SQLAlchemy {version('sqlalchemy')}; psycopg {version('psycopg')}"]
    if "postgres" in backends:
        show = ("server_version", "synchronous_commit", "fsync", "wal_sync_method", "commit_delay")
        values = [dbs.admin.execute(f"SHOW {name}").fetchone()[0] for name in show]
        notes.append("PostgreSQL " + ", ".join(f"{n}={v}" for n, v in zip(show, values, strict=True)))
    return notes


def report(backends: Sequence[str], *, events: int, writers: int, slice_size: int, warm: int) -> bool:
    """Measure every requested backend and path; print the table and the machine notes. True if all goals met."""
    with tempfile.TemporaryDirectory(prefix="bench-append-") as folder:
        dbs = Databases(Path(folder), prefix="bench_append")
        try:
            if "postgres" in backends and (why := dbs.postgres_reachable()) is not None:
                print(f"PostgreSQL skipped: not reachable at 127.0.0.1:5432 ({why})")
                backends = [b for b in backends if b != "postgres"]
            notes = machine_notes(dbs, backends)
            print(f"appends of one event, one durable commit each; {events:,} timed events per contender and path, "
                  f"interleaved in slices of {slice_size} per writer, after {warm:,} untimed; events per second:")
            print(f"{'backend':<10} {'path':<10} {'ours':>9} {'raw':>9} {'eventsrc':>9} {'ours/es':>8} "
                  f"{'ours/raw':>8}   goal")
            met = all([report_path(dbs, backend, writers=count, events=events, slice_size=slice_size, warm=warm)
                       for backend in backends for count in dict.fromkeys((1, writers))])
        finally:
            dbs.drop_all()
    for note in notes:
        print(f"  {note}")
    return met


def report_path(
    dbs: Databases, backend: str, *, writers: int, events: int, slice_size: int, warm: int
) -> bool:
    """Measure and print one line; a database error (e.g. a server out of connections) is printed, not hidden."""
    try:
        outcomes, notes = run_path(dbs, backend, writers=writers, events=events, slice_size=slice_size, warm=warm)
    except (DBAPIError, psycopg.Error, sqlite3.Error, es_persistence.PersistenceError) as exc:
        reason = (str(exc).strip().splitlines() or [""])[0]
        print(f"{backend:<10} {writers} writer(s): measurement failed: {type(exc).__name__}: {reason}", flush=True)
        return False
    text, ok = row(backend, writers, outcomes)
    print(text, flush=True)
    for note in notes:
        print(f"{'':<21} {note}", flush=True)
    return ok


def main(argv: Sequence[str] | None = None) -> None:
    """Parse the options and run the benchmark."""
    parser = argparse.ArgumentParser(prog="python -m bench.append", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=3000, help="timed events per contender and path")
    parser.add_argument("--writers", type=int, default=8, help="concurrent writer threads on the second path")
    parser.add_argument("--backend", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--slice", type=int, default=25, help="events per writer in each interleaved slice")
    parser.add_argument("--warm-up", type=int, default=200, help="untimed events per contender first")
    args = parser.parse_args(argv)
    backends = ["sqlite", "postgres"] if args.backend == "both" else [args.backend]
    met = report(backends, events=args.events, writers=args.writers, slice_size=args.slice, warm=args.warm_up)
    print("all goals met" if met else "some goal NOT met")


if __name__ == "__main__":
    main()

"""One breach scan over N open clocks (1% newly due) against the raw indexed query, and alerts per second.

`.venv/bin/python -m bench.scan [--clocks N] [--backend sqlite|postgres|both]`

The newly due clocks belong to real cases recorded through the store (so raising them appends real
deadline_breached events); the other open clocks are bulk-inserted rows whose deadlines lie ahead. Printed:
the scan's detection (its own paged query plus the time-zone decision) against the bare indexed SELECT of
the same rows, measured in the same run (goal <= 2x), the query plan, and alerts raised and delivered per
second end to end through the log channel (goal >= 2,000/s on SQLite).
"""

from __future__ import annotations

import argparse
import logging
import os
import random
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import structlog
from sqlalchemy import Engine, create_engine, insert, text
from sqlalchemy.engine import make_url

from api.alert_jobs import Handover, Monitoring, send_pending
from api.notify import LogChannel, RetryPolicy
from audit.database import make_engine, write_transaction
from audit.migrate import upgrade
from audit.projection_schema import clock_rows
from audit.projections import Projector
from audit.reads import recorded_at_text
from audit.scans import MonitoringPolicy, breach_query, find_breaches, passed, scan_breaches
from audit.store import Actor, AppendPolicy, append
from compliance.alerting import passes_at

GOAL_RATIO = 2.0
GOAL_ALERTS_PER_SECOND = 2_000.0
NOW = datetime(2026, 7, 10, 16, 0, tzinfo=UTC)
RECORDED = datetime(2026, 7, 2, 15, 0, tzinfo=UTC)
ZONES = ("America/New_York", "America/Chicago", "America/Denver", "America/Los_Angeles")
PG_ADMIN = os.environ.get("COMPLIANCE_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
CHUNK = 20_000


def best_of(repeat: int, *runs: Callable[[], object]) -> list[float]:
    """The fastest of `repeat` runs of each, in seconds; the runs take turns, so a busy spell on a shared
    machine slows both sides of a ratio alike instead of one of them."""
    timings: list[list[float]] = [[] for _ in runs]
    for _ in range(repeat):
        for run, times in zip(runs, timings, strict=True):
            started = time.perf_counter()
            run()
            times.append(time.perf_counter() - started)
    return [min(times) for times in timings]


@contextmanager
def database(backend: str) -> Iterator[Engine]:
    """A fresh, migrated database: a SQLite file in a temp folder, or a PostgreSQL database dropped after."""
    if backend == "sqlite":
        with tempfile.TemporaryDirectory() as folder:
            engine = make_engine(f"sqlite:///{Path(folder) / 'scan.db'}")
            upgrade(engine)
            yield engine
            engine.dispose()
        return
    name = f"bench_scan_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine = make_engine(make_url(PG_ADMIN).set(database=name).render_as_string(hide_password=False))
    try:
        upgrade(engine)
        yield engine
    finally:
        engine.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def record_due_cases(engine: Engine, count: int) -> None:
    """`count` real cases whose lm_ack_notice came due before NOW, through the store with the projection hook."""
    policy = AppendPolicy(on_appended=Projector(calendar="us-6103a"))
    actor, rng = Actor("bench", "specialist"), random.Random(7)
    for start in range(0, count, 1000):
        with write_transaction(engine) as conn:
            for number in range(start, min(start + 1000, count)):
                zone = ZONES[number % len(ZONES)]
                events = [
                    {"type": "case_opened", "occurred_at": "2026-06-01",
                     "data": {"loan_id": f"L{number}", "borrower_ref": f"B{number}", "property_state": "NY",
                              "timezone": zone}},
                    {"type": "application_received", "occurred_at": f"2026-06-{rng.randint(20, 30):02d}",
                     "data": {"application_id": "A1"}},
                ]
                append(conn, f"DUE-{number:07d}", events, expected_version=0, actor=actor, now=RECORDED,
                       policy=policy)


def future_rows(count: int) -> Iterator[dict[str, Any]]:
    """Open deadline rows due in the year after NOW: in the index, never due at NOW."""
    rng = random.Random(11)
    for number in range(count):
        zone = ZONES[number % len(ZONES)]
        due = NOW.date() + timedelta(days=rng.randint(1, 365))
        yield {
            "clock_id": f"lm_evaluate:F{number:08d}", "case_id": f"FUT-{number // 4:07d}", "rule": "lm_evaluate",
            "kind": "deadline", "trigger_event_id": f"F{number:08d}", "trigger_type": "application_completed",
            "trigger_on": due - timedelta(days=30), "due": due, "closes": None, "not_before": None,
            "status": "open", "met_by": None, "met_on": None, "calendar": "us-6103a", "timezone": zone,
            "team": f"T{number % 20}", "manager_id": f"M{number % 50}", "breach_recorded": False,
            "breach_at": recorded_at_text(passes_at(due, ZoneInfo(zone))),
        }


def bulk_load(engine: Engine, count: int) -> None:
    """Insert `count` open clock rows in large batches (PostgreSQL: COPY), indexes rebuilt afterwards."""
    rows = future_rows(count)
    with engine.begin() as conn:  # loading first and indexing after is several times faster
        for index in clock_rows.indexes:
            index.drop(conn)
    if engine.dialect.name == "postgresql":
        _copy(engine, rows)
    else:
        statement = insert(clock_rows)
        while batch := [row for _, row in zip(range(CHUNK), rows, strict=False)]:
            with write_transaction(engine) as conn:
                conn.execute(statement, batch)
    with engine.begin() as conn:
        for index in clock_rows.indexes:
            index.create(conn)
        conn.execute(text("ANALYZE"))  # as autovacuum (PostgreSQL) or an operator (SQLite) would after a load


def _copy(engine: Engine, rows: Iterator[dict[str, Any]]) -> None:
    columns = [c.name for c in clock_rows.columns]
    with engine.connect() as conn:
        cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        with cursor.copy(f"COPY clock_rows ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row([row[c] for c in columns])
        conn.connection.dbapi_connection.commit()  # type: ignore[union-attr]


RAW = ("SELECT clock_id, case_id, rule, due, timezone, team, manager_id, breach_at FROM clock_rows "
       "WHERE breach_at IS NOT NULL AND breach_at <= :now ORDER BY breach_at, clock_id")


def raw_query(engine: Engine) -> int:
    """The bare indexed query for the due rows, all fetched."""
    with engine.connect() as conn:
        return len(conn.execute(text(RAW), {"now": recorded_at_text(NOW)}).all())


def scan_detection(engine: Engine, *, batch: int) -> int:
    """What the breach scan does to find its work: its paged keyset query and the time-zone decision."""
    found, after = 0, ("", "")
    with engine.connect() as conn:
        while page := find_breaches(conn, now=NOW, limit=batch, after=after):
            after = (page[-1].breach_at, page[-1].clock_id)
            found += len(passed(page, now=NOW))
    return found


def plan(engine: Engine) -> str:
    """The query plan of the scan's own query (EXPLAIN QUERY PLAN / EXPLAIN), first page."""
    with engine.connect() as conn:
        query = breach_query(NOW, limit=MonitoringPolicy().batch_size)
        statement = str(query.compile(conn, compile_kwargs={"literal_binds": True}))
        if engine.dialect.name == "sqlite":
            return "\n".join(f"    {row[-1]}" for row in conn.execute(text(f"EXPLAIN QUERY PLAN {statement}")))
        return "\n".join(f"    {row[0]}" for row in conn.execute(text(f"EXPLAIN {statement}")))


def raise_all(engine: Engine, *, due: int) -> tuple[float, float]:
    """Seconds (wall, this process's CPU) to raise every due breach (alert + deadline_breached event) and
    deliver it to the log channel."""
    # As in production (api.log_config, JSON lines at INFO), written to /dev/null instead of the terminal.
    structlog.configure(
        processors=[structlog.processors.add_log_level, structlog.processors.TimeStamper(fmt="iso", utc=True),
                    structlog.processors.JSONRenderer()],
        wrapper_class=structlog.make_filtering_bound_logger(logging.INFO),
        logger_factory=structlog.PrintLoggerFactory(file=open(os.devnull, "w")),  # noqa: SIM115
    )
    projecting = AppendPolicy(on_appended=Projector(calendar="us-6103a"))
    policy = MonitoringPolicy(append=projecting)
    monitoring = Monitoring(engine=engine, policy=policy, channels=(LogChannel(),), retry=RetryPolicy(),
                            servicer_zone=ZoneInfo("America/New_York"))
    started, cpu = time.perf_counter(), time.process_time()
    # As api.alert_jobs.run_breach_scan does: deliveries held in the raising transactions, sent after them,
    # then the retry pass (nothing is due for it here, but production always runs it).
    handover = Handover(monitoring, now=NOW)
    raised = scan_breaches(engine, now=NOW, policy=policy, on_raised=handover)
    sent = handover.send(raised)
    send_pending(monitoring, now=NOW)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    structlog.reset_defaults()
    assert len(raised) == due == sent, (len(raised), due, sent)
    return seconds, cpu


def run(backend: str, *, clocks: int, repeat: int) -> None:
    """Load, measure and print one backend's figures."""
    due = max(clocks // 100, 1)
    with database(backend) as engine:
        started = time.perf_counter()
        record_due_cases(engine, due)
        bulk_load(engine, clocks - due)
        loaded = time.perf_counter() - started
        print(f"\n[{backend}] {clocks:,} open clocks, {due:,} newly due (loaded in {loaded:.1f} s)")
        assert raw_query(engine) == scan_detection(engine, batch=MonitoringPolicy().batch_size) == due
        raw, detect = best_of(
            repeat, lambda: raw_query(engine), lambda: scan_detection(engine, batch=MonitoringPolicy().batch_size)
        )
        print(f"  raw indexed query        {raw * 1000:9.1f} ms  ({due / raw:,.0f} rows/s)")
        print(f"  breach scan detection    {detect * 1000:9.1f} ms  ratio {detect / raw:.2f}x (goal <= {GOAL_RATIO}x)"
              f"  {'OK' if detect / raw <= GOAL_RATIO else 'MISSED'}")
        print("  query plan of the scan:")
        print(plan(engine))
        seconds, cpu = raise_all(engine, due=due)
        rate = due / seconds
        goal = f"goal >= {GOAL_ALERTS_PER_SECOND:,.0f}/s on SQLite" if backend == "sqlite" else "no goal set"
        verdict = ("OK" if rate >= GOAL_ALERTS_PER_SECOND else "MISSED") if backend == "sqlite" else ""
        print(f"  raise + deliver (log)    {seconds:9.2f} s   {rate:,.0f} alerts/s ({goal}) {verdict}")
        print(f"    of which this process's CPU {cpu:.2f} s ({due / cpu:,.0f} alerts per CPU-second; "
              f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs)")


def main() -> None:
    """Parse arguments and run the benchmark."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clocks", type=int, default=1_000_000, help="open clocks in the table (1%% newly due)")
    parser.add_argument("--backend", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    for backend in ("sqlite", "postgres") if args.backend == "both" else (args.backend,):
        run(backend, clocks=args.clocks, repeat=args.repeat)


if __name__ == "__main__":
    main()

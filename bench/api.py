"""The HTTP API under load (issue 5): appends and a case trail through a real uvicorn server, against bare FastAPI.

`.venv/bin/python -m bench.api [--backend sqlite|postgres|both] [--requests N] [--connections 32]
[--log-events 1000000]` (a smaller --log-events, e.g. 50000, for a quick run; wrk: apt-get install wrk)

Both servers run `uvicorn --factory` in processes of their own (one worker each, uvloop/httptools, no access
log) and wrk drives them from 127.0.0.1 on the same CPUs; every measurement alternates the two in slices, so
the noise of a shared machine falls on both. "cpu ms" is the server process's CPU time per response (all its
threads), the figure least moved by other load. Printed per backend:
  POST /v1/cases/{id}/events  one contact_logged per request at --connections, with auth, validation, hash
                              chain, group commit, projections (when the append path has them) and
                              checkpoints, spread over pre-opened cases; against the ceiling: a bare FastAPI
                              endpoint doing one raw durable insert per request (same server settings, same
                              durability). Goal: >= 60% of the ceiling's rate, p99 < 50 ms.
  GET  /v1/cases/{id}/events  a random 50-event case trail in a log of --log-events events (a bulk-loaded valid
                              chain), against a bare endpoint running the same indexed SELECT on the raw
                              driver: at --read-connections (goal: p99 < 10 ms) and at --connections.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import text

from audit.database import make_engine
from bench.api_ceiling import URL_VARIABLE, prepare_ceiling
from bench.api_data import (
    EVENTS_PER_CASE,
    WRITER,
    LogPlan,
    contact,
    copy_to_postgres,
    default_recorded_at,
    issue,
    load_sqlite,
    open_cases,
    template_case,
)
from bench.api_load import (
    Load,
    LoadResult,
    Server,
    fetch_json,
    run_load,
    uvicorn_server,
    write_script,
    wrk_available,
)
from bench.api_report import Figure, Measured, load_average, machine_notes, table
from bench.databases import Databases

GOAL_RATIO, GOAL_APPEND_P99_MS, GOAL_TRAIL_P99_MS = 0.60, 50.0, 10.0
SERVICE, CEILING = "api.app:create_app", "bench.api_ceiling:create_ceiling_app"
APPEND_CASES = 1_000


@dataclass(frozen=True)
class Options:
    """The command line."""

    backends: tuple[str, ...]
    requests: int
    read_requests: int
    connections: int
    read_connections: int
    log_events: int
    slices: int
    warm_up: int


def server_env(url: str, folder: Path, *, ceiling_url: str) -> dict[str, str]:
    """The service's settings as COMPLIANCE_* variables (its database, a data folder, quiet JSON logs, no rate
    limit, no scheduler), and the ceiling's database."""
    folder.mkdir(parents=True, exist_ok=True)
    return {"COMPLIANCE_DATABASE_URL": url, "COMPLIANCE_DATA_DIR": str(folder), "COMPLIANCE_LOG_FORMAT": "json",
            "COMPLIANCE_LOG_LEVEL": "WARNING", "COMPLIANCE_SCHEDULER_ENABLED": "false",
            "COMPLIANCE_RATE_LIMIT_PER_SECOND": "0", URL_VARIABLE: ceiling_url,
            "PYTHONPATH": str(Path(__file__).resolve().parents[1])}


@contextmanager
def servers(url: str, folder: Path, *, ceiling_url: str) -> Iterator[tuple[Server, Server]]:
    """The service on the database at `url`, and the bare ceiling app on `ceiling_url`."""
    env = server_env(url, folder, ceiling_url=ceiling_url)
    with uvicorn_server(SERVICE, env, log=folder / "service.log", ready_path="/healthz") as service, \
            uvicorn_server(CEILING, env, log=folder / "ceiling.log", ready_path="/openapi.json") as ceiling:
        yield service, ceiling


def alternate(loads: Sequence[Load], *, slices: int, warm_up: int, script: Path) -> list[Measured]:
    """Warm each load's server up (untimed), then run the loads in interleaved slices, rotating who goes first."""
    for load in loads:
        run_load(_share(load, warm_up), script=script)
    per_slice = [_share(load, max(load.connections, load.requests // slices)) for load in loads]
    results: list[list[LoadResult]] = [[] for _ in loads]
    for number in range(slices):
        order = [*range(number % len(loads), len(loads)), *range(number % len(loads))]
        for index in order:
            results[index].append(run_load(per_slice[index], script=script))
    return [Measured(tuple(found)) for found in results]


def _share(load: Load, requests: int) -> Load:
    return Load(**{**load.__dict__, "requests": requests})


def measure_appends(dbs: Databases, backend: str, options: Options, script: Path) -> tuple[Figure, str]:
    """POST /v1/cases/{id}/events against the bare insert, on fresh databases; and what the projections did."""
    now = datetime.now(UTC)
    url = dbs.fresh(backend, "appends")
    token = issue(url, WRITER.id, "specialist", now=now)
    open_cases(url, dbs.folder, cases=APPEND_CASES, prefix="C-", now=now)
    ceiling_url = dbs.fresh(backend, "ceiling")  # same server (or folder): same disk
    prepare_ceiling(ceiling_url)
    yesterday = (now - timedelta(days=1)).date().isoformat()
    body = json.dumps({"events": [contact(f"{yesterday}T10:15:00-05:00")]})
    with servers(url, dbs.folder / f"{backend}-appends", ceiling_url=ceiling_url) as (service, ceiling):
        common = {"method": "POST", "cases": APPEND_CASES, "requests": options.requests,
                  "connections": options.connections, "body": body}
        ours, bare = alternate(
            [Load(service.url, path_format="/v1/cases/C-%d/events", token=token, server_pid=service.pid, **common),
             Load(ceiling.url, path_format="/raw/cases/C-%d/events", server_pid=ceiling.pid, **common)],
            slices=options.slices, warm_up=options.warm_up, script=script,
        )
    endpoint = "POST /v1/cases/{id}/events"
    return Figure(backend, endpoint, options.connections, ours, bare, GOAL_APPEND_P99_MS, GOAL_RATIO), \
        projection_note(url, backend)


def projection_note(url: str, backend: str) -> str:
    """Whether the appends moved the cases' projected summaries on (they are projected in the same transaction)."""
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            moved = conn.execute(text("SELECT count(*) FROM case_summary WHERE version > 2")).scalar_one()
            setting = durability(conn, postgres=backend == "postgres")
    finally:
        engine.dispose()
    state = f"{moved} of {APPEND_CASES} case summaries moved on" if moved else "NOT in the API's append path"
    return f"{backend}: projections {state}; durability {setting}"


def durability(conn: object, *, postgres: bool) -> str:
    """What makes a commit durable on the service's connections, as the database reports it."""
    names = ("synchronous_commit", "fsync") if postgres else ("journal_mode", "synchronous")
    verb = "SHOW" if postgres else "PRAGMA"
    values = [conn.execute(text(f"{verb} {name}")).scalar_one() for name in names]  # type: ignore[attr-defined]
    return " ".join(f"{n}={v}" for n, v in zip(names, values, strict=True))


class TrailLog:
    """The bulk log, built once in SQLite (the source of the PostgreSQL copy too)."""

    def __init__(self, dbs: Databases, events: int) -> None:
        self.dbs = dbs
        self.plan = LogPlan(cases=max(1, events // EVENTS_PER_CASE), prefix="T-", recorded_at=default_recorded_at())
        self.path = dbs.folder / "trail.db"
        self.loaded_seconds = 0.0

    def url(self, backend: str) -> tuple[str, str]:
        """A database holding the log, and a specialist's token in it."""
        started = time.perf_counter()
        if backend == "sqlite":
            url = f"sqlite:///{self.path.as_posix()}"
            token = issue(url, WRITER.id, "specialist", now=self.plan.recorded_at)
            load_sqlite(self.path, self.plan, template_case(self.plan, self.dbs.folder))
        else:
            if not self.path.exists():
                self.url("sqlite")
            url = self.dbs.fresh(backend, "trail")
            token = issue(url, WRITER.id, "specialist", now=self.plan.recorded_at)
            copy_to_postgres(self.path, url)
        self.loaded_seconds += time.perf_counter() - started
        return url, token


def measure_trail(log: TrailLog, backend: str, options: Options, script: Path) -> list[Figure]:
    """GET of a random 50-event trail in the big log against the bare indexed SELECT: at --read-connections
    (the latency goal) and at --connections (throughput under the appends' concurrency, for information)."""
    url, token = log.url(backend)
    figures = []
    with servers(url, log.dbs.folder / f"{backend}-trail", ceiling_url=url) as (service, ceiling):
        page = fetch_json(f"{service.url}/v1/cases/T-0/events", token=token)
        if len(page["items"]) != EVENTS_PER_CASE:
            raise SystemExit(f"the trail of T-0 has {len(page['items'])} events, not {EVENTS_PER_CASE}")
        for connections in dict.fromkeys((options.read_connections, options.connections)):
            common = {"method": "GET", "cases": log.plan.cases, "requests": options.read_requests,
                      "connections": connections, "expected": 200, "pick": "random"}
            ours, bare = alternate(
                [Load(service.url, path_format="/v1/cases/T-%d/events", token=token, server_pid=service.pid,
                      **common),
                 Load(ceiling.url, path_format="/raw/cases/T-%d/events", server_pid=ceiling.pid, **common)],
                slices=options.slices, warm_up=options.warm_up, script=script,
            )
            goal = GOAL_TRAIL_P99_MS if connections == options.read_connections else None
            endpoint = f"GET  trail of {EVENTS_PER_CASE} ({log.plan.events:,} in log)"
            figures.append(Figure(backend, endpoint, connections, ours, bare, goal, None))
    return figures


def run(options: Options) -> bool:
    """Measure every backend; print the table and the notes. True when every goal is met."""
    load_before = load_average()
    with tempfile.TemporaryDirectory(prefix="bench-api-") as folder:
        dbs = Databases(Path(folder), prefix="bench_api")
        script = write_script(dbs.folder)
        backends = options.backends
        try:
            if "postgres" in backends and (why := dbs.postgres_reachable()) is not None:
                print(f"PostgreSQL skipped: not reachable at 127.0.0.1:5432 ({why})")
                backends = tuple(b for b in backends if b != "postgres")
            figures, notes = [], []
            trail_log = TrailLog(dbs, options.log_events)
            for backend in backends:
                figure, note = measure_appends(dbs, backend, options, script)
                figures.append(figure)
                notes.append(note)
                figures += measure_trail(trail_log, backend, options, script)
                print(f"{backend} measured", flush=True)
            notes.append(f"bulk load of the trail log: {trail_log.loaded_seconds:,.0f} s (untimed setup)")
            notes += machine_notes(dbs, backends, load_before)
        finally:
            dbs.drop_all()
    print("\n".join(table(figures)))
    for note in notes:
        print(f"  {note}")
    return all(f.met() for f in figures)


def parse(argv: Sequence[str] | None) -> Options:
    """The command line as Options."""
    parser = argparse.ArgumentParser(prog="python -m bench.api", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backend", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--requests", type=int, default=6000, help="timed appends per contender and backend")
    parser.add_argument("--read-requests", type=int, default=2000,
                        help="timed trail reads per contender, backend and concurrency")
    parser.add_argument("--connections", type=int, default=32, help="concurrent connections for the appends")
    parser.add_argument("--read-connections", type=int, default=1,
                        help="concurrent connections for the trail's latency goal (it is also read at --connections)")
    parser.add_argument("--log-events", type=int, default=1_000_000, help="events in the log the trail is read from")
    parser.add_argument("--slices", type=int, default=3, help="interleaved slices per measurement")
    parser.add_argument("--warm-up", type=int, default=300, help="untimed requests per contender first")
    args = parser.parse_args(argv)
    backends = ("sqlite", "postgres") if args.backend == "both" else (args.backend,)
    return Options(backends, args.requests, args.read_requests, args.connections, args.read_connections,
                   args.log_events, args.slices, args.warm_up)


def main(argv: Sequence[str] | None = None) -> None:
    """Run the benchmark (wrk is needed: apt-get install wrk)."""
    options = parse(argv)
    if not wrk_available():
        raise SystemExit("wrk is not installed: apt-get install -y wrk")
    met = run(options)
    print("all goals met" if met else "some goal NOT met")


if __name__ == "__main__":
    main()

"""Where an append's server CPU goes: bench.api's POST load against the service, with yappi in the server process.

`.venv/bin/python -m bench.api_profile [--backend sqlite|postgres] [--requests N] [--connections 32]
[--clock cpu|wall] [--top 60]` (yappi is a measuring tool, not a dependency: pip install yappi into the
venv first). Prints the functions with the most time, all threads together (the event loop, the group
commit writer and the blocking pool), and the server's CPU ms per append (inflated by the profiler).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import tempfile
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bench.api import APPEND_CASES, server_env
from bench.api_data import WRITER, contact, issue, open_cases
from bench.api_load import Load, run_load, uvicorn_server, write_script
from bench.databases import Databases

PROFILE_OUT = "BENCH_PROFILE_OUT"
PROFILE_CLOCK = "BENCH_PROFILE_CLOCK"
PROFILED = "bench.api_profile:create_profiled_app"
TIMED = "bench.api_profile:create_timed_app"


def create_timed_app() -> Any:
    """The service of bench.api, recording its stalls: GC pauses by generation, and each group commit's size
    and duration (what a p99 is made of), written as JSON at shutdown."""
    import gc
    import time

    from api.app import create_app
    from audit.group_commit import GroupCommitter

    app = create_app()
    inner = app.router.lifespan_context
    record: dict[str, list[Any]] = {"gc": [], "groups": []}
    started: list[float] = [0.0]

    def on_gc(phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            started[0] = time.perf_counter()
        else:
            record["gc"].append((info["generation"], time.perf_counter() - started[0]))

    original = GroupCommitter._commit

    def timed_commit(self: GroupCommitter, group: list[Any]) -> None:
        begun = time.perf_counter()
        original(self, group)
        record["groups"].append((len(group), time.perf_counter() - begun))

    GroupCommitter._commit = timed_commit  # type: ignore[method-assign]

    @asynccontextmanager
    async def lifespan(application: Any) -> AsyncIterator[Any]:
        async with inner(application) as state:
            yield state
        Path(os.environ[PROFILE_OUT]).write_text(json.dumps(record))

    app.router.lifespan_context = lifespan

    @app.post("/_profile/start")
    async def start() -> dict[str, str]:
        record["gc"].clear()
        record["groups"].clear()
        if on_gc not in gc.callbacks:
            gc.callbacks.append(on_gc)
        return {"profiling": "on"}

    return app


def create_profiled_app() -> Any:
    """The service of bench.api, profiled from the first timed request (POST /_profile/start) to shutdown."""
    import yappi

    from api.app import create_app

    app = create_app()
    inner = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(application: Any) -> AsyncIterator[Any]:
        async with inner(application) as state:
            yield state
            yappi.stop()
            stats = yappi.get_func_stats()
            stats.save(os.environ[PROFILE_OUT], type="pstat")

    app.router.lifespan_context = lifespan

    @app.post("/_profile/start")
    async def start() -> dict[str, str]:
        yappi.set_clock_type(os.environ.get(PROFILE_CLOCK, "cpu"))
        yappi.clear_stats()
        yappi.start(builtins=False, profile_threads=True)
        return {"profiling": "on"}

    return app


def main(argv: Sequence[str] | None = None) -> None:
    """Profile the appends of bench.api and print the top functions."""
    parser = argparse.ArgumentParser(prog="python -m bench.api_profile")
    parser.add_argument("--backend", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--clock", choices=("cpu", "wall", "stalls"), default="cpu")
    parser.add_argument("--top", type=int, default=60)
    parser.add_argument("--sort", default="tottime")
    parser.add_argument("--save", type=Path, help="keep the pstats file here")
    args = parser.parse_args(argv)
    import pstats
    import urllib.request

    with tempfile.TemporaryDirectory(prefix="bench-api-profile-") as folder:
        dbs = Databases(Path(folder), prefix="bench_api_profile")
        if args.backend == "postgres" and (why := dbs.postgres_reachable()) is not None:
            raise SystemExit(f"PostgreSQL not reachable: {why}")
        try:
            now = datetime.now(UTC)
            url = dbs.fresh(args.backend, "appends")
            token = issue(url, WRITER.id, "specialist", now=now)
            open_cases(url, dbs.folder, cases=APPEND_CASES, prefix="C-", now=now)
            yesterday = (now - timedelta(days=1)).date().isoformat()
            body = json.dumps({"events": [contact(f"{yesterday}T10:15:00-05:00")]})
            out = dbs.folder / "profile.pstat"
            env = {**server_env(url, dbs.folder / "server", ceiling_url=url), PROFILE_OUT: str(out),
                   PROFILE_CLOCK: args.clock}
            script = write_script(dbs.folder)
            factory = TIMED if args.clock == "stalls" else PROFILED
            with uvicorn_server(factory, env, log=dbs.folder / "service.log", ready_path="/healthz") as server:
                load = Load(server.url, "POST", "/v1/cases/C-%d/events", APPEND_CASES, 300, args.connections,
                            token=token, body=body, server_pid=server.pid)
                run_load(load, script=script)  # warm-up, not profiled
                urllib.request.urlopen(urllib.request.Request(f"{server.url}/_profile/start", method="POST"))  # noqa: S310
                result = run_load(Load(**{**load.__dict__, "requests": args.requests}), script=script)
            print(f"{result.received} appends in {result.seconds:.1f} s: {result.rate:,.0f}/s, p50 {result.p50_ms} "
                  f"p99 {result.p99_ms} ms; server cpu {1000 * result.server_cpu_seconds / result.received:.2f} "
                  "ms/append (profiled)")
            if args.clock == "stalls":
                print_stalls(json.loads(out.read_text()))
                return
            if args.save is not None:
                shutil.copyfile(out, args.save)
            stats = pstats.Stats(str(out))
            stats.sort_stats(args.sort).print_stats(args.top)
        finally:
            dbs.drop_all()


def print_stalls(record: dict[str, list[Any]]) -> None:
    """GC pauses and group commits: counts, totals and the worst."""
    for generation in range(3):
        pauses = sorted(seconds for gen, seconds in record["gc"] if gen == generation)
        if pauses:
            print(f"gc gen{generation}: {len(pauses)} pauses, total {sum(pauses) * 1000:.1f} ms, "
                  f"worst {[round(p * 1000, 1) for p in pauses[-5:]]} ms")
    groups = record["groups"]
    sizes = sorted(size for size, _ in groups)
    times = sorted(seconds for _, seconds in groups)
    if groups:
        print(f"group commits: {len(groups)}, size median {sizes[len(sizes) // 2]} max {sizes[-1]}; "
              f"ms median {times[len(times) // 2] * 1000:.1f}, p90 {times[int(len(times) * 0.9)] * 1000:.1f}, "
              f"worst {[round(t * 1000, 1) for t in times[-8:]]}")
        slow = [(size, round(seconds * 1000, 1)) for size, seconds in groups if seconds > 4 * times[len(times) // 2]]
        print(f"slow groups (size, ms) in order: {slow[:40]}")


if __name__ == "__main__":
    main()

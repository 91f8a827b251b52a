"""The report of bench.api: measured figures, the result table and the notes on the machine they come from."""

from __future__ import annotations

import os
import platform
import sqlite3
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from importlib.metadata import version

from bench.api_load import WRK_THREADS, LoadResult
from bench.append import fsync_micros
from bench.databases import Databases


@dataclass(frozen=True)
class Figure:
    """One line of the table: a contender's rate and latency, with its ceiling's when it has one."""

    backend: str
    endpoint: str
    connections: int
    result: Measured
    ceiling: Measured | None
    goal_p99_ms: float | None
    goal_ratio: float | None

    def met(self) -> bool:
        """The issue's goal for this line (met when it has none)."""
        ratio_ok = self.goal_ratio is None or self.ceiling is None or self.ratio >= self.goal_ratio
        return ratio_ok and (self.goal_p99_ms is None or self.result.p99_ms < self.goal_p99_ms)

    def goal(self) -> str:
        """The goal in words, and whether it is met."""
        parts = [f">= {self.goal_ratio:.0%} of the ceiling"] if self.goal_ratio is not None else []
        parts += [f"p99 < {self.goal_p99_ms:.0f} ms"] if self.goal_p99_ms is not None else []
        return f"{' and '.join(parts)}: {'met' if self.met() else 'NOT met'}" if parts else "(no goal)"

    @property
    def ratio(self) -> float:
        """Rate against the ceiling's rate."""
        return self.result.rate / self.ceiling.rate if self.ceiling else float("nan")


@dataclass(frozen=True)
class Measured:
    """A contender over all its slices: total rate; median p50 and worst p99 of the slices (wrk cannot merge them)."""

    slices: tuple[LoadResult, ...]

    @property
    def rate(self) -> float:
        """Responses per second over all slices."""
        return sum(s.received for s in self.slices) / sum(s.seconds for s in self.slices)

    @property
    def p50_ms(self) -> float:
        """The median of the slices' medians."""
        return statistics.median(s.p50_ms for s in self.slices)

    @property
    def p99_ms(self) -> float:
        """The worst slice's 99th percentile."""
        return max(s.p99_ms for s in self.slices)

    @property
    def cpu_ms(self) -> float:
        """The server process's CPU time per response (all its threads): the cost, whatever the machine's load."""
        return 1000 * sum(s.server_cpu_seconds for s in self.slices) / sum(s.received for s in self.slices)


def table(figures: Sequence[Figure]) -> list[str]:
    """The result table: one line per contender, its ceiling's rate and latency beside it."""
    lines = [f"{'backend':<9} {'endpoint':<40} {'conns':>5} {'req/s':>8} {'p50 ms':>7} {'p99 ms':>7} {'cpu ms':>6} "
             f"{'ceiling':>8} {'c p50':>6} {'c p99':>6} {'c cpu':>6} {'ratio':>6}  goal"]
    for f in figures:
        ceiling = f.ceiling
        lines.append(
            f"{f.backend:<9} {f.endpoint:<40} {f.connections:>5} {f.result.rate:>8,.0f} {f.result.p50_ms:>7.1f} "
            f"{f.result.p99_ms:>7.1f} {f.result.cpu_ms:>6.2f} {ceiling.rate if ceiling else 0:>8,.0f} "
            f"{ceiling.p50_ms if ceiling else 0:>6.1f} {ceiling.p99_ms if ceiling else 0:>6.1f} "
            f"{ceiling.cpu_ms if ceiling else 0:>6.2f} {f.ratio:>6.2f}  {f.goal()}"
        )
    return lines


def machine_notes(dbs: Databases, backends: Sequence[str], load_before: str) -> list[str]:
    """Where the figures come from: processes, CPUs and load, the disk's fsync, versions, PostgreSQL settings."""
    notes = [
        "server: uvicorn --factory in a process of its own, 1 worker, uvloop + httptools, no access log; service "
        "settings from COMPLIANCE_* (JSON logs at WARNING, scheduler off, rate limit off, group commit on)",
        f"load: wrk {WRK_THREADS} threads from 127.0.0.1 on the same machine, competing for the same CPUs",
        f"CPUs: {os.cpu_count()}; load average before {load_before}, after {load_average()}",
        f"fsync of 4 KiB in the SQLite folder: median {fsync_micros(dbs.folder):,.0f} us",
        f"Python {platform.python_version()}; uvicorn {version('uvicorn')}, fastapi {version('fastapi')}, "
        f"starlette {version('starlette')}, pydantic {version('pydantic')}, SQLite {sqlite3.sqlite_version}, "
        f"psycopg {version('psycopg')}",
    ]
    if "postgres" in backends:
        show = ("server_version", "synchronous_commit", "fsync", "wal_sync_method", "commit_delay")
        values = [dbs.admin.execute(f"SHOW {name}").fetchone()[0] for name in show]
        notes.append("PostgreSQL " + ", ".join(f"{n}={v}" for n, v in zip(show, values, strict=True)))
    return notes


def load_average() -> str:
    """The 1, 5 and 15 minute load averages."""
    return ", ".join(f"{x:.2f}" for x in os.getloadavg())



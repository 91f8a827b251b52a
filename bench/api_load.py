"""The HTTP side of bench.api: uvicorn servers in subprocesses, and wrk driving them with a bounded request count.

wrk (Debian's package) generates the load: C, so it takes little of the two cores the server also needs.
Its Lua script stops each wrk thread after its share of the requests and counts every unexpected status;
when all threads have stopped, wrk is interrupted (its summary then covers exactly the time taken), and its
own `-d` bounds the run in time whatever happens. Every address is 127.0.0.1.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

HOST = "127.0.0.1"
STARTUP_SECONDS = 120.0  # an upper bound on a server's start (migrations included), not a measurement
WRK_THREADS = 2
WRK_SECONDS = 300  # wrk's own time bound on one run

LUA = r"""
-- bench.api: each wrk thread sends its share of requests, then stops; done() prints one JSON line.
local threads = {}
function setup(thread)
  thread:set("number", #threads)
  table.insert(threads, thread)
end
function init(args)
  token, method, path_format = args[1], args[2], args[3]
  cases, limit, expected, pick, body = tonumber(args[4]), tonumber(args[5]), tonumber(args[6]), args[7], args[8]
  thread_count = tonumber(args[9])
  sent, received, unexpected, first_unexpected = 0, 0, 0, 0
  math.randomseed(number * 7919 + 17)
  headers = {["Authorization"] = "Bearer " .. token, ["Content-Type"] = "application/json"}
end
function request()
  local index
  if pick == "random" then index = math.random(0, cases - 1)
  else index = (number + sent * thread_count) % cases end
  sent = sent + 1
  local path = string.format(path_format, index)
  if method == "GET" then return wrk.format("GET", path, headers) end
  return wrk.format(method, path, headers, body)
end
function response(status, response_headers, response_body)
  received = received + 1
  if status ~= expected then
    unexpected = unexpected + 1
    if first_unexpected == 0 then first_unexpected = status end
  end
  if received == limit then
    io.write("thread-done\n")
    io.flush()
    wrk.thread:stop()
  end
end
function done(summary, latency, requests)
  local received_all, unexpected_all, first = 0, 0, 0
  for _, thread in ipairs(threads) do
    received_all = received_all + thread:get("received")
    unexpected_all = unexpected_all + thread:get("unexpected")
    if first == 0 then first = thread:get("first_unexpected") end
  end
  local errors = summary.errors
  io.write(string.format(
    '{"received": %d, "unexpected": %d, "first_unexpected": %d, "seconds": %.6f, "p50_ms": %.3f, '
    .. '"p99_ms": %.3f, "max_ms": %.3f, "socket_errors": %d}\n',
    received_all, unexpected_all, first, summary.duration / 1e6, latency:percentile(50) / 1e3,
    latency:percentile(99) / 1e3, latency.max / 1e3,
    errors.connect + errors.read + errors.write + errors.timeout))
end
"""


def wrk_available() -> bool:
    """True when the wrk binary is on PATH (Debian: apt-get install wrk)."""
    return shutil.which("wrk") is not None


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


@dataclass(frozen=True)
class Server:
    """A running uvicorn server: its base URL and process id."""

    url: str
    pid: int


@contextmanager
def uvicorn_server(factory: str, env: Mapping[str, str], *, log: Path, ready_path: str) -> Iterator[Server]:
    """`uvicorn --factory FACTORY` on a free port of 127.0.0.1, one worker, no access log; stopped on exit."""
    port = free_port()
    command = [sys.executable, "-m", "uvicorn", "--factory", factory, "--host", HOST, "--port", str(port),
               "--workers", "1", "--no-access-log", "--log-level", "warning"]
    with log.open("ab") as sink:
        process = subprocess.Popen(command, env={**os.environ, **env}, stdout=sink, stderr=sink)  # noqa: S603
    try:
        url = f"http://{HOST}:{port}"
        _wait_until_up(url + ready_path, process, log)
        yield Server(url, process.pid)
    except BaseException:
        tail = "\n".join(log.read_text(errors="replace").splitlines()[-40:])
        sys.stderr.write(f"--- {factory} on {port}: the end of its log ---\n{tail}\n")
        raise
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_until_up(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"server exited with {process.returncode}:\n{log.read_text()[-4000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - 127.0.0.1 only
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"server not up after {STARTUP_SECONDS:.0f} s: {url}")


@dataclass(frozen=True)
class Load:
    """One wrk run: where, how many requests over how many connections, what each request is and expects."""

    base_url: str
    method: str
    path_format: str  # with one %d: the case number
    cases: int
    requests: int
    connections: int
    token: str = "-"
    body: str = ""
    expected: int = 201
    pick: str = "rotate"  # "rotate": each thread walks the cases in turn; "random": uniform
    server_pid: int | None = None  # whose CPU time to count (all its threads)


@dataclass(frozen=True)
class LoadResult:
    """What wrk measured: responses, unexpected statuses, seconds, and latency percentiles (ms)."""

    received: int
    unexpected: int
    first_unexpected: int
    seconds: float
    p50_ms: float
    p99_ms: float
    max_ms: float
    socket_errors: int
    server_cpu_seconds: float = 0.0

    @property
    def rate(self) -> float:
        """Responses per second."""
        return self.received / self.seconds


def run_load(load: Load, *, script: Path) -> LoadResult:
    """Run wrk once for `load`; SystemExit when a response was not the expected status."""
    threads = min(WRK_THREADS, load.connections)
    per_thread = max(1, load.requests // threads)
    command = ["wrk", f"-t{threads}", f"-c{load.connections}", f"-d{WRK_SECONDS}s", "--timeout", "30s",
               "-s", str(script), load.base_url, "--", load.token, load.method, load.path_format, str(load.cases),
               str(per_thread), str(load.expected), load.pick, load.body, str(threads)]
    cpu_before = cpu_seconds(load.server_pid)
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)  # noqa: S603
    result, stopped = None, 0
    assert process.stdout is not None  # noqa: S101 - PIPE above
    for line in process.stdout:  # ends when wrk exits: at the latest after its -d bound
        if line.startswith("thread-done"):
            stopped += 1
            if stopped == threads:
                process.send_signal(signal.SIGINT)  # every thread has stopped: end the run now
        elif line.startswith("{"):
            result = LoadResult(**json.loads(line))
    process.wait(timeout=60)
    if result is not None:
        result = replace(result, server_cpu_seconds=cpu_seconds(load.server_pid) - cpu_before)
    if result is None:
        raise SystemExit(f"wrk printed no result: {process.stderr.read() if process.stderr else ''}")
    if result.unexpected or result.socket_errors:
        raise SystemExit(f"{load.method} {load.path_format}: {result.unexpected} unexpected statuses "
                         f"(first {result.first_unexpected}), {result.socket_errors} socket errors")
    return result


def cpu_seconds(pid: int | None) -> float:
    """User + system CPU time of a process, all its threads (Linux /proc; 0 when unknown)."""
    if pid is None:
        return 0.0
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    except OSError:
        return 0.0
    # proc(5): utime and stime are fields 14 and 15, in clock ticks; fields[0] is field 3 (state).
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def write_script(folder: Path) -> Path:
    """The Lua script, written where wrk can read it."""
    path = folder / "bench_api.lua"
    path.write_text(LUA)
    return path


def fetch_json(url: str, *, token: str) -> Any:
    """GET a JSON document with a bearer token (for checks outside the timed runs)."""
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})  # noqa: S310
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - 127.0.0.1 only
        return json.loads(response.read())

"""The server's garbage collector: the start-up heap frozen, so a full collection does not walk it on a request.

Why: the service holds some 200,000 long-lived objects from start-up on (modules, calendars, the schema,
FastAPI's models), and CPython's full (generation 2) collection walks every one of them. Under 32
concurrent appends that was a pause of 100-300 ms a few times a minute, holding the GIL and so stalling
every request in flight at once: the appends' 99th percentile (bench/api.py). Frozen objects are still
freed by reference counting; only cycles among them are no longer collected, and start-up state lives as
long as the process anyway.
"""

from __future__ import annotations

import gc

# Collections of the youngest generation: each one walks every object allocated since the last. A larger
# threshold lets more of a request's short-lived objects die by reference counting before any walk.
YOUNG_THRESHOLD = 10_000


def freeze_startup_heap() -> tuple[int, ...]:
    """Move every object now tracked out of the collector's reach (gc.freeze); the thresholds it replaced.

    No full collection first: it would cost each start as much as one of the pauses this avoids (every test
    starts an app), and what start-up leaves as garbage is small and frozen once.
    """
    gc.freeze()
    before = gc.get_threshold()
    gc.set_threshold(max(before[0], YOUNG_THRESHOLD), *before[1:])
    return before


def thaw_heap(thresholds: tuple[int, ...]) -> None:
    """Give the frozen objects back to the collector, and its thresholds (the service stopped: a test run
    goes on in the same process)."""
    gc.unfreeze()
    gc.set_threshold(*thresholds)

"""Full clock computation for a synthetic portfolio, single process: cases/s and clocks/s against the goal.

Case files are generated from a seed and parsed chunk by chunk (neither counted); only compute_clocks is
timed, in CPU seconds of this process (time.process_time), so other work on a shared machine does not count.
The reference measured in the same run is `evaluate` on the same cases (corrections and voids folded, no rule
run): the floor any rule engine pays on this input.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import pstats
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from bench.synthetic import case_file
from compliance.casefile import CaseFile, parse_casefile
from compliance.engine import compute_clocks, evaluate
from timelines.calendar import calendar_for

GOAL_CASES_PER_SECOND = 10_000  # issue 3
DEFAULT_AS_OF = date(2026, 1, 1)  # only for files without as_of (every generated file has one)


@dataclass
class Tally:
    """What was measured so far."""

    cases: int = 0
    events: int = 0
    clocks: int = 0
    compute_seconds: float = 0.0
    reference_seconds: float = 0.0
    setup_seconds: float = 0.0
    statuses: Counter[str] = field(default_factory=Counter)
    rules: Counter[str] = field(default_factory=Counter)


def chunk(seed: int, start: int, size: int) -> list[CaseFile]:
    """Cases start..start+size-1 of the seeded portfolio, parsed (CONTRACT §5)."""
    return [parse_casefile(case_file(seed, i), default_as_of=DEFAULT_AS_OF) for i in range(start, start + size)]


def measure(files: Sequence[CaseFile], tally: Tally) -> None:
    """Time compute_clocks case by case (results used, then dropped, as a scan would), then the reference."""
    calendars = {name: calendar_for(name) for name in {f.calendar for f in files}}
    clock = time.process_time
    gc.collect()
    for f in files:
        started = clock()
        clocks = compute_clocks(f.case_id, f.profile, f.events, calendars[f.calendar], f.as_of)
        tally.compute_seconds += clock() - started
        tally.cases += 1
        tally.events += len(f.events)
        tally.clocks += len(clocks)
        tally.statuses.update(c.status for c in clocks)
        tally.rules.update(c.rule for c in clocks)
    gc.collect()
    started = clock()
    for f in files:
        evaluate(f.case_id, f.profile, f.events, calendars[f.calendar], f.as_of)
    tally.reference_seconds += clock() - started


def run(cases: int, *, seed: int, chunk_size: int) -> Tally:
    """Generate, parse and measure the portfolio chunk by chunk (bounded memory)."""
    tally = Tally()
    measure(chunk(seed, cases, min(200, cases)), Tally())  # warm the calendars, imports and count caches
    for start in range(0, cases, chunk_size):
        began = time.perf_counter()
        files = chunk(seed, start, min(chunk_size, cases - start))
        tally.setup_seconds += time.perf_counter() - began
        measure(files, tally)
    return tally


def report(tally: Tally) -> None:
    """Print the figures, the ratio to the reference and to the goal."""
    rate = tally.cases / tally.compute_seconds
    floor = tally.cases / tally.reference_seconds
    per_case = tally.clocks / tally.cases
    print(f"portfolio: {tally.cases:,} cases, {tally.events / tally.cases:.1f} events/case, {per_case:.1f} clocks/case "
          f"(generation + parsing {tally.setup_seconds:.1f} s, not counted)")
    clocks_rate = tally.clocks / tally.compute_seconds
    print(f"  compute_clocks, one process, CPU time: {rate:10,.0f} cases/s  {clocks_rate:12,.0f} clocks/s"
          f"  {tally.compute_seconds / tally.cases * 1e6:7.1f} us/case")
    print(f"  reference evaluate() only:             {floor:10,.0f} cases/s  "
          f"(clocks cost {floor / rate:.1f}x the fold)")
    verdict = "met" if rate >= GOAL_CASES_PER_SECOND else "NOT met"
    print(f"  goal >= {GOAL_CASES_PER_SECOND:,} cases/s: {verdict} ({rate / GOAL_CASES_PER_SECOND:.2f}x of the goal)")
    print("  statuses: " + ", ".join(f"{k} {v:,}" for k, v in tally.statuses.most_common()))
    per_rule = ", ".join(f"{k} {v / tally.cases:.2f}" for k, v in tally.rules.most_common())
    print(f"  clocks per rule: {per_rule}")


def families(seed: int, cases: int) -> None:
    """CPU time per rule family (in engine order, on one Evaluation per case, as compute_clocks runs them)."""
    from compliance.closure import close_out
    from compliance.engine import _families, cancelled_by_voids, in_order

    files = chunk(seed, 0, cases)
    calendars = {name: calendar_for(name) for name in {f.calendar for f in files}}
    spent: Counter[str] = Counter()
    clock = time.process_time
    gc.collect()
    for f in files:
        started = clock()
        ev = evaluate(f.case_id, f.profile, f.events, calendars[f.calendar], f.as_of)
        spent["evaluate (fold)"] += clock() - started
        found = []
        for family in _families():
            started = clock()
            found += family(ev)
            spent[family.__module__.rsplit(".", 1)[-1]] += clock() - started
        started = clock()
        in_order(close_out(ev, found) + cancelled_by_voids(ev), stamps=ev.stamps)
        spent["close_out + voids + sort"] += clock() - started
    total = sum(spent.values())
    print(f"{cases:,} cases: {total / cases * 1e6:.1f} us/case in all")
    for name, seconds in spent.most_common():
        print(f"  {name:28s} {seconds / cases * 1e6:8.1f} us/case  {seconds / total:6.1%}")


def profile(seed: int, cases: int) -> None:
    """cProfile over `cases` cases: the hot spots by own time."""
    files = chunk(seed, 0, cases)
    measure(files[:100], Tally())
    profiler = cProfile.Profile()
    profiler.enable()
    measure(files, Tally())
    profiler.disable()
    pstats.Stats(profiler).sort_stats("tottime").print_stats(25)


def main(argv: Sequence[str] | None = None) -> None:
    """Parse the options and run the benchmark."""
    parser = argparse.ArgumentParser(prog="python -m bench.clocks", description=__doc__)
    parser.add_argument("--cases", type=int, default=100_000, help="portfolio size (default 100,000)")
    parser.add_argument("--seed", type=int, default=20260702)
    parser.add_argument("--chunk", type=int, default=5_000, help="cases generated and measured at a time")
    parser.add_argument("--profile", action="store_true", help="print the hot spots of a cProfile run instead")
    parser.add_argument("--families", action="store_true", help="print the CPU time of each rule family instead")
    args = parser.parse_args(argv)
    if args.families:
        families(args.seed, min(args.cases, 20_000))
        return
    if args.profile:
        profile(args.seed, min(args.cases, 5_000))
        return
    report(run(args.cases, seed=args.seed, chunk_size=args.chunk))


if __name__ == "__main__":
    main()

"""Business-day additions per second, one call at a time from Python, against numpy.busday_offset."""

from __future__ import annotations

import argparse
import random
import time
from collections.abc import Callable, Sequence
from datetime import date, timedelta

import numpy as np

from timelines.calendar import DEFAULT_POLICY, POLICIES, BusinessCalendar, legal_public_holidays

GOAL_RATIO = 2.0  # issue 3: within 2x of numpy's per-item vectorised rate
FIRST_START, LAST_START = date(2000, 1, 1), date(2044, 12, 31)  # + up to 60 business days stays in range


def random_pairs(count: int, *, seed: int) -> list[tuple[date, int]]:
    """Reproducible (start, n) pairs: any day of the calendar, n from 1 to 60 (Reg X counts are 5-30)."""
    rng = random.Random(seed)
    days = (LAST_START - FIRST_START).days
    return [(FIRST_START + timedelta(days=rng.randrange(days + 1)), rng.randint(1, 60)) for _ in range(count)]


def best_of(repeat: int, run: Callable[[], object]) -> float:
    """The fastest of `repeat` runs, in seconds (the least disturbed by other work on the machine)."""
    timings = []
    for _ in range(repeat):
        started = time.perf_counter()
        run()
        timings.append(time.perf_counter() - started)
    return min(timings)


def time_python(cal: BusinessCalendar, pairs: Sequence[tuple[date, int]], *, repeat: int) -> float:
    """Seconds for one add_business_days call per pair, made one at a time from a Python loop."""
    add = cal.add_business_days

    def run() -> None:
        for day, n in pairs:
            add(day, n)

    return best_of(repeat, run)


def time_empty_loop(pairs: Sequence[tuple[date, int]], *, repeat: int) -> float:
    """Seconds for the same loop with no call: the floor any one-at-a-time Python API pays."""

    def run() -> None:
        for _day, _n in pairs:
            pass

    return best_of(repeat, run)


def numpy_calendar(cal: BusinessCalendar) -> np.busdaycalendar:
    """numpy's calendar with the same holidays (roll="backward" makes its offsets count from day 0)."""
    days = sorted(legal_public_holidays(cal.policy))
    return np.busdaycalendar(weekmask="1111100", holidays=np.array(days, dtype="datetime64[D]"))


def time_numpy(cal: BusinessCalendar, pairs: Sequence[tuple[date, int]], *, repeat: int) -> float:
    """Seconds for one vectorised busday_offset over all pairs (conversion to arrays not counted)."""
    starts = np.array([day for day, _ in pairs], dtype="datetime64[D]")
    counts = np.array([n for _, n in pairs], dtype=np.int64)
    busdaycal = numpy_calendar(cal)
    expected = np.busday_offset(starts, counts, roll="backward", busdaycal=busdaycal).tolist()
    if expected != [cal.add_business_days(day, n) for day, n in pairs]:
        raise SystemExit("numpy and the calendar disagree: the comparison would be meaningless")
    return best_of(repeat, lambda: np.busday_offset(starts, counts, roll="backward", busdaycal=busdaycal))


def time_build(policy: str, *, repeat: int) -> tuple[float, float, float]:
    """Seconds for the first build in this process, a warm rebuild (best of), and the package's share."""
    started = time.perf_counter()
    BusinessCalendar(POLICIES[policy])
    cold = time.perf_counter() - started
    warm = best_of(repeat, lambda: BusinessCalendar(POLICIES[policy]))
    package = best_of(repeat, lambda: legal_public_holidays(POLICIES[policy]))
    return cold, warm, package


def rate_line(label: str, seconds_per_item: float, unit: str) -> str:
    """One aligned line of the report: items per second and nanoseconds per item."""
    return f"  {label:<46}{1 / seconds_per_item:13,.0f} /s  {seconds_per_item * 1e9:6.1f} ns/{unit}"


def report(policy: str, *, pairs: int, repeat: int, seed: int) -> bool:
    """Measure and print; True when the 2x goal is met."""
    cold, warm, package = time_build(policy, repeat=repeat)
    cal = BusinessCalendar(POLICIES[policy])
    sample = random_pairs(pairs, seed=seed)
    python = time_python(cal, sample, repeat=repeat) / pairs
    loop = time_empty_loop(sample, repeat=repeat) / pairs
    vectorised = time_numpy(cal, sample, repeat=repeat) / pairs
    ratio = python / vectorised
    print(f"calendar {policy}: {pairs:,} random (start, n) pairs, n in 1..60, best of {repeat}")
    timings = f"first {cold * 1e3:.1f} ms, rebuilt {warm * 1e3:.1f} ms"
    print(f"  build: {timings} (of which the holidays package {package * 1e3:.1f} ms)")
    print(rate_line("python add_business_days, one call at a time:", python, "call"))
    print(rate_line("  (the empty Python loop alone:", loop, "item)"))
    print(rate_line("numpy.busday_offset, vectorised:", vectorised, "item"))
    verdict = "met" if ratio <= GOAL_RATIO else "NOT met"
    print(f"  ratio python/numpy per item: {ratio:.2f}x  (goal <= {GOAL_RATIO:.0f}x: {verdict})")
    return ratio <= GOAL_RATIO


def main(argv: Sequence[str] | None = None) -> None:
    """Parse the options and run the benchmark for each requested policy."""
    parser = argparse.ArgumentParser(prog="python -m bench.calendar", description=__doc__)
    parser.add_argument(
        "--pairs", type=int, default=1_000_000, help="random (start, n) pairs (default 1,000,000)"
    )
    parser.add_argument("--repeat", type=int, default=5, help="runs per measurement; the best is kept")
    parser.add_argument("--seed", type=int, default=20260702)
    parser.add_argument("--policy", choices=sorted(POLICIES), action="append", help="default: us-6103a")
    args = parser.parse_args(argv)
    for policy in args.policy or [DEFAULT_POLICY]:
        report(policy, pairs=args.pairs, repeat=args.repeat, seed=args.seed)


if __name__ == "__main__":
    main()

"""The few statistics the reports state: median, percentile (linear interpolation) and a rate."""

from __future__ import annotations

import statistics
from collections.abc import Sequence


def median(values: Sequence[float]) -> float | None:
    """The median, or None when there is nothing to summarise."""
    return statistics.median(values) if values else None


def percentile(values: Sequence[float], q: int) -> float | None:
    """The q-th percentile (1..99), interpolated between closest ranks as numpy's default; None when empty."""
    if not 1 <= q <= 99:
        raise ValueError(f"a percentile is between 1 and 99 (got {q})")
    if len(values) < 2:
        return float(values[0]) if values else None
    # The "inclusive" method treats the data as the whole population: p0 = min, p100 = max.
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


def rate(part: int, whole: int) -> float | None:
    """part / whole, or None when whole is 0 (no rate rather than a made-up 0%)."""
    return part / whole if whole else None


def percent(value: float | None) -> str:
    """A share as a whole percentage for people ("12%"); "n/a" when there is none."""
    return "n/a" if value is None else f"{round(value * 100)}%"

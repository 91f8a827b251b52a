"""Retry policy: the backoff schedule, its cap, and seedable jitter."""

from __future__ import annotations

from datetime import timedelta

import pytest

from api.notify import RetryPolicy

S = timedelta(seconds=1)


def test_default_schedule_doubles_from_thirty_seconds() -> None:
    assert RetryPolicy().schedule() == [30 * S, 60 * S, 120 * S, 240 * S]


def test_delays_are_capped_at_max_delay() -> None:
    policy = RetryPolicy(max_attempts=8, base_delay=60 * S, factor=3, max_delay=timedelta(hours=1))
    assert policy.schedule() == [60 * S, 180 * S, 540 * S, 1620 * S, 3600 * S, 3600 * S, 3600 * S]


def test_huge_attempt_numbers_stay_capped() -> None:
    assert RetryPolicy(max_delay=timedelta(hours=2)).delay(10_000) == timedelta(hours=2)


def test_final_attempt() -> None:
    policy = RetryPolicy(max_attempts=3)
    assert [policy.is_final(n) for n in (1, 2, 3, 4)] == [False, False, True, True]


def test_seeded_jitter_is_reproducible_and_within_bounds() -> None:
    policy = RetryPolicy(jitter=0.5, seed=7)
    first = [policy.delay(n, key="al-1:webhook") for n in range(1, 5)]
    again = [RetryPolicy(jitter=0.5, seed=7).delay(n, key="al-1:webhook") for n in range(1, 5)]
    assert first == again
    for n, wait in enumerate(first, start=1):
        plain = RetryPolicy().delay(n)
        assert plain / 2 <= wait <= plain


def test_jitter_spreads_different_deliveries() -> None:
    policy = RetryPolicy(jitter=1.0, seed=7)
    assert len({policy.delay(1, key=f"al-{i}:log") for i in range(20)}) > 1


@pytest.mark.parametrize("kwargs", [{"max_attempts": 0}, {"jitter": 1.5}, {"jitter": -0.1}, {"factor": 0.5}])
def test_invalid_policies_are_refused(kwargs: dict[str, float]) -> None:
    with pytest.raises(ValueError):
        RetryPolicy(**kwargs)  # type: ignore[arg-type]


def test_attempts_are_numbered_from_one() -> None:
    with pytest.raises(ValueError):
        RetryPolicy().delay(0)

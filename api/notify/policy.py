"""Retry policy: bounded exponential backoff with optional, seedable jitter."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import timedelta


@dataclass(frozen=True)
class RetryPolicy:
    """After failed attempt n the next one waits min(max_delay, base_delay * factor**(n-1)), minus jitter.

    `jitter` is the fraction (0..1) of that delay that may be taken off at random, so that many deliveries
    failing together do not retry in lock-step. With a `seed` the draw depends only on (seed, alert, channel,
    attempt): every process computes the same schedule, and tests can pin it.
    """

    max_attempts: int = 5
    base_delay: timedelta = timedelta(seconds=30)
    factor: float = 2.0
    max_delay: timedelta = timedelta(hours=1)
    jitter: float = 0.0
    seed: int | None = None
    # How long a claimed delivery stays invisible to other processes while its send is in flight.
    lease: timedelta = timedelta(minutes=5)

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        if not 0.0 <= self.jitter <= 1.0:
            raise ValueError("jitter must be between 0 and 1")
        if self.factor < 1.0:
            raise ValueError("factor must be at least 1")

    def delay(self, attempt: int, *, key: str = "") -> timedelta:
        """The wait after failed attempt number `attempt` (1-based) of the delivery named by `key`."""
        if attempt < 1:
            raise ValueError("attempts are numbered from 1")
        # Cap the exponent before multiplying: factor**attempt overflows long before any sane max_attempts.
        seconds = self.base_delay.total_seconds() * self.factor ** min(attempt - 1, 64)
        capped = min(seconds, self.max_delay.total_seconds())
        if self.jitter:
            capped *= 1.0 - self.jitter * self._draw(attempt, key=key)
        return timedelta(seconds=capped)

    def schedule(self) -> list[timedelta]:
        """The waits between attempts 1..max_attempts without jitter (for docs, logs and tests)."""
        plain = RetryPolicy(
            max_attempts=self.max_attempts, base_delay=self.base_delay, factor=self.factor, max_delay=self.max_delay
        )
        return [plain.delay(n) for n in range(1, self.max_attempts)]

    def is_final(self, attempt: int) -> bool:
        """True when attempt number `attempt` is the last one allowed."""
        return attempt >= self.max_attempts

    def _draw(self, attempt: int, *, key: str) -> float:
        # Not for security: spreading retries only needs a uniform draw.
        if self.seed is None:
            return random.random()  # noqa: S311
        return random.Random(f"{self.seed}:{key}:{attempt}").random()  # noqa: S311

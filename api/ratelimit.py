"""A per-token token bucket: a sustained request rate with a burst allowance (429 with Retry-After beyond it)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from api.errors import RateLimited


class RateLimiter:
    """Token buckets keyed by token id; `per_second == 0` disables limiting."""

    def __init__(self, *, per_second: float, burst: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.per_second = per_second
        self.burst = burst
        self._clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}  # key -> (tokens left, at)
        self._lock = threading.Lock()

    def take(self, key: str) -> None:
        """Spend one request of `key`'s budget, or raise RateLimited saying when the next one is allowed."""
        if self.per_second <= 0:
            return
        with self._lock:
            now = self._clock()
            tokens, at = self._buckets.get(key, (float(self.burst), now))
            tokens = min(float(self.burst), tokens + (now - at) * self.per_second)
            if tokens < 1.0:
                self._buckets[key] = (tokens, now)
                raise RateLimited((1.0 - tokens) / self.per_second)
            self._buckets[key] = (tokens - 1.0, now)

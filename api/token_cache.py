"""Verified bearer tokens kept for a few seconds: the grant behind a token's hash, without a query per request.

Why: every request authenticates, and the lookup (a query in a worker thread) cost more than the rest of a
small request (bench/api.py). What stays exact: expiry is checked on every request against the request's
clock (TokenGrant.active); a token changed through this process's engine (the admin API's revoke, or any
UPDATE or DELETE of api_tokens run through it) empties the cache once its transaction has ended. Only a
revocation made by another process (`compliance tokens revoke`, another worker) waits for the entry to age
out: at most `ttl` seconds. Unknown tokens are never cached.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from sqlalchemy import Engine, event

from audit.tokens import TokenGrant

DEFAULT_MAX_ENTRIES = 10_000
_CHANGED = "api_tokens_changed"  # key in a pooled connection's info: it changed api_tokens since checkout


class TokenCache:
    """Grants by token hash, each for `ttl` seconds; `ttl == 0` disables the cache."""

    def __init__(
        self, *, ttl: float, max_entries: int = DEFAULT_MAX_ENTRIES, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.ttl = ttl
        self.max_entries = max_entries
        self._clock = clock
        self._entries: dict[str, tuple[TokenGrant, float]] = {}  # token hash -> (grant, kept until)
        self._lock = threading.Lock()
        # Bumped by every invalidation: a lookup that began before one may not store what it read.
        self.generation = 0

    def get(self, token_hash: str) -> TokenGrant | None:
        """The cached grant of this token hash, or None (never cached, aged out or invalidated)."""
        found = self._entries.get(token_hash)
        if found is None or found[1] <= self._clock():
            return None
        return found[0]

    def put(self, token_hash: str, grant: TokenGrant, *, generation: int) -> None:
        """Keep a grant read from the database by a lookup that began at `generation`."""
        if self.ttl <= 0:
            return
        with self._lock:
            if generation != self.generation:
                return  # token rows changed while it was read: what it read may be stale
            if len(self._entries) >= self.max_entries:
                self._entries.pop(next(iter(self._entries)))  # the oldest entry
            self._entries[token_hash] = (grant, self._clock() + self.ttl)

    def clear(self) -> None:
        """Forget every grant (a token was revoked or changed)."""
        with self._lock:
            self.generation += 1
            self._entries.clear()

    def watch(self, engine: Engine) -> None:
        """Clear the cache whenever a statement run through `engine` changes api_tokens, and again when its
        connection goes back to the pool (after COMMIT: no lookup can then read the old rows)."""
        event.listen(engine, "after_cursor_execute", self._after_execute)
        event.listen(engine, "checkin", self._checkin)

    def _after_execute(self, conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if "api_tokens" in statement and statement.lstrip()[:6].upper() in ("UPDATE", "DELETE"):
            conn.info[_CHANGED] = True
            self.clear()

    def _checkin(self, _dbapi_connection: Any, record: Any) -> None:
        if record.info.pop(_CHANGED, False):
            self.clear()

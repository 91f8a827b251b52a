"""The append path's own pooled connection, kept checked out between appends instead of returned each time.

An append on SQLite costs ~180 µs of CPU, and SQLAlchemy's pool checkout and check-in (queue, reset-on-return
rollback, bookkeeping) were ~15 µs of it (bench/append.py, issue 2). Appends are serialised by the log head
lock anyway, so one connection per engine, kept by whichever thread appends, serves nearly every append: the
GroupCommitter's single thread always gets it. A thread that finds it busy takes one from the pool as before.
"""

from __future__ import annotations

import os
import threading
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from sqlalchemy import Engine, event

if TYPE_CHECKING:
    from audit.database import PooledDriver


class _Held:
    """One engine's kept connection; `lock` is held by the thread appending on it."""

    __slots__ = ("__weakref__", "closed", "driver", "lock")

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.driver: PooledDriver | None = None
        self.closed = False

    def usable(self) -> PooledDriver | None:
        """The kept connection if it is still valid (an invalidated one was lost or left in an unknown state)."""
        driver = self.driver
        if driver is not None and driver.connection.is_valid:
            return driver
        self.driver = None
        return None

    def release(self, *, close: bool = False) -> None:
        """Give the kept connection back to its pool, or with `close` (its engine is disposed of) close it."""
        driver, self.driver = self.driver, None
        if driver is not None:
            if close:
                driver.invalidate()  # closes the driver's connection; the disposed pool must not keep it
            driver.connection.close()


_HELD: weakref.WeakKeyDictionary[Engine, _Held] = weakref.WeakKeyDictionary()
_CREATING = threading.Lock()
_FORKED: list[object] = []  # a parent's connections, never touched (nor finalised) in a forked child


def _held_for(engine: Engine) -> _Held:
    held = _HELD.get(engine)
    if held is not None:
        return held
    with _CREATING:
        held = _HELD.get(engine)
        if held is None:
            held = _HELD[engine] = _Held()
            # A disposed engine's connections must close with it (tests and `compliance` commands dispose).
            event.listen(engine, "engine_disposed", _on_disposed(weakref.ref(held)))
        return held


def _on_disposed(ref: weakref.ref[_Held]) -> object:
    def disposed(_conn: object) -> None:
        held = ref()
        if held is None:
            return
        held.closed = True  # an append in flight gives its connection back to the pool when it ends
        if held.lock.acquire(blocking=False):
            try:
                held.release(close=True)
            finally:
                held.lock.release()

    return disposed


def take(engine: Engine) -> tuple[PooledDriver, _Held | None]:
    """A pooled driver connection for one append, and the _Held it was taken from (None: a spare from the pool).

    The engine's kept connection when no other thread is appending on it, else one from the pool. Every take
    is followed by give_back, whatever happens in between.
    """
    held = _held_for(engine)
    if not held.lock.acquire(blocking=False):
        return _pooled(engine), None
    try:
        if held.closed:
            held.closed = False  # the engine is in use again after dispose(): its new pool serves it
        driver = held.usable() or _pooled(engine)
    except BaseException:
        held.lock.release()
        raise
    held.driver = driver
    return driver, held


def give_back(driver: PooledDriver, held: _Held | None, *, failed: bool) -> None:
    """End a take: a spare goes back to the pool; the kept one stays kept unless the append `failed` (the pool's
    reset-on-return then ends whatever state it was left in) or its engine was disposed of meanwhile."""
    if held is None:
        driver.connection.close()
        return
    try:
        if failed:
            held.release()
        if held.closed:
            held.release(close=True)
    finally:
        held.lock.release()


@contextmanager
def append_connection(engine: Engine) -> Iterator[PooledDriver]:
    """take and give_back around a block (the caller leaves the connection outside any transaction)."""
    driver, held = take(engine)
    try:
        yield driver
    except BaseException:
        give_back(driver, held, failed=True)
        raise
    give_back(driver, held, failed=False)


def _pooled(engine: Engine) -> PooledDriver:
    from audit.database import PooledDriver  # noqa: PLC0415 - audit.database imports this module

    return PooledDriver(engine)


def _forget_in_child() -> None:
    # A forked child must not write on its parent's SQLite or PostgreSQL connection: it opens its own.
    # Their pooled connections stay referenced (never finalised here) and leave their _Held, so that
    # disposing of an inherited engine in the child (dispose(close=False)) cannot close them either.
    for held in _HELD.values():
        _FORKED.append(held.driver)
        held.driver = None
    _HELD.clear()


os.register_at_fork(after_in_child=_forget_in_child)

"""Closing a case stops the clocks still running; breaches that happened before the close stay on record."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from compliance.clock import Clock, then
from compliance.evaluation import Evaluation


def _deadline_day(clock: Clock) -> date | None:
    return clock.due or clock.closes or clock.not_before


def _still_running(clock: Clock, closed_on: date) -> bool:
    # Checks judge single contacts and settled clocks stay as they are; a breach whose deadline passed
    # before the close (or an act done late) happened while the case was live and must remain visible.
    if clock.kind == "check" or clock.status in ("met", "cancelled", "not_applicable"):
        return False
    if clock.trigger.on > closed_on:
        return False
    if clock.status == "breached":
        day = _deadline_day(clock)
        return clock.met_by is None and day is not None and day >= closed_on
    return True


def close_out(ev: Evaluation, clocks: Sequence[Clock]) -> list[Clock]:
    """Cancel clocks still running when the case was closed (case_closed), with the reason."""
    closings = ev.history.of_type("case_closed")
    if not closings:
        return list(clocks)
    closing = closings[-1]
    why = getattr(closing.data, "reason", "other")
    note = f"cancelled: case closed on {closing.on.isoformat()} ({why}); nothing is owed after closing"
    return [
        c.replace(status="cancelled", reason=f"case closed ({why})", derivation=then(c.steps, (note,)))
        if _still_running(c, closing.on) else c
        for c in clocks
    ]

"""Delinquency under 12 CFR 1024.31: unpaid installments, oldest unpaid due date, days delinquent."""

from __future__ import annotations

from bisect import bisect_right
from datetime import date

from compliance.history import History


def unpaid_installments(history: History, on: date) -> list[date]:
    """Due dates missed and not yet paid as known on `on`, oldest first (comment 31 Delinquency-2)."""
    unpaid: set[date] = set()
    # Chronological order: a late-entered missed payment must not undo a later payment of the same installment.
    for event in history.installments:
        if event.on > on:
            break
        due = event.data.due_date  # type: ignore[attr-defined]
        if event.type == "payment_missed":
            unpaid.add(due)
        else:
            unpaid.discard(due)
    return sorted(d for d in unpaid if d <= on)


def oldest_unpaid(history: History, on: date) -> date | None:
    """The oldest unpaid due date on `on`, or None when the borrower is current."""
    days, values = oldest_unpaid_marks(history)
    index = bisect_right(days, on)
    return values[index - 1] if index else None


def oldest_unpaid_marks(history: History) -> tuple[tuple[date, ...], tuple[date | None, ...]]:
    """The days on which the oldest unpaid due date can change, and its value at the end of each (memoised)."""
    return history.memo("oldest_unpaid_marks", _marks)


def _marks(history: History) -> tuple[tuple[date, ...], tuple[date | None, ...]]:
    # It changes only on an installment event's legal date or an unpaid installment's due date; one pass over
    # the ledger in the order it happened gives unpaid_installments(history, day) at every such day.
    ledger = history.installments
    days = tuple(sorted({e.on for e in ledger} | {e.data.due_date for e in ledger}))  # type: ignore[attr-defined]
    values: list[date | None] = []
    unpaid: set[date] = set()
    position, count = 0, len(ledger)
    for day in days:
        while position < count and ledger[position].on <= day:
            event = ledger[position]
            if event.type == "payment_missed":
                unpaid.add(event.data.due_date)  # type: ignore[attr-defined]
            else:
                unpaid.discard(event.data.due_date)  # type: ignore[attr-defined]
            position += 1
        # The oldest unpaid due date on or before `day`: the overall oldest, unless even that one is later.
        oldest = min(unpaid) if unpaid else None
        values.append(oldest if oldest is not None and oldest <= day else None)
    return days, tuple(values)


def days_delinquent(history: History, on: date) -> int:
    """1024.31: days delinquent = date - oldest unpaid due date (0 when current)."""
    oldest = oldest_unpaid(history, on)
    return (on - oldest).days if oldest else 0


def delinquent_throughout(history: History, start: date, end: date) -> bool:
    """Whether the borrower was delinquent on every day of [start, end] (comment 41(i)-1 'at all times')."""
    if oldest_unpaid(history, start) is None:
        return False
    change_days = {
        e.on for e in history.events if start <= e.on <= end and e.type in ("installment_paid", "payment_missed")
    }
    return all(oldest_unpaid(history, day) is not None for day in sorted(change_days | {end}))

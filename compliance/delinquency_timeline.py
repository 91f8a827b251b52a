"""The oldest unpaid due date over time, folded once so that day-by-day questions cost a bisection (1024.31)."""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass
from datetime import date

from compliance.delinquency import oldest_unpaid_marks
from compliance.history import History


@dataclass(frozen=True)
class OldestUnpaid:
    """delinquency.oldest_unpaid at every day on which it can change, for constant answers in between."""

    days: tuple[date, ...]
    values: tuple[date | None, ...]

    @classmethod
    def of(cls, history: History) -> OldestUnpaid:
        """It changes only on an installment event's legal date or an unpaid installment's due date."""
        return history.memo("OldestUnpaid", lambda h: cls(*oldest_unpaid_marks(h)))

    def on(self, day: date) -> date | None:
        """The oldest unpaid due date at the end of `day` (None: current)."""
        index = bisect_right(self.days, day)
        return self.values[index - 1] if index else None

    def ever(self, due: date) -> bool:
        """Whether the installment due on `due` was ever the oldest unpaid one."""
        return due in self.values

    def first_current(self, start: date, end: date) -> date | None:
        """The first day in [start, end] with nothing due and unpaid (comment 41(i)-1 "at all times")."""
        if self.on(start) is None:
            return start
        for day, value in zip(self.days, self.values, strict=True):
            if start < day <= end and value is None:
                return day
        return None

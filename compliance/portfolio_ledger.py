"""Synthetic payment histories: missed installments, oldest-first payments, cures, re-defaults, a misposting."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Literal

from compliance.portfolio_case import CaseBuilder

Pattern = Literal["deepening", "rolling", "cure", "redefault", "partial"]
Action = Literal["miss", "pay_one", "pay_two", "pay_all", "on_time"]
# Weighted draws of a payment pattern: early delinquencies, cures, and borrowers who stay behind.
EARLY: tuple[Pattern, ...] = ("deepening", "rolling", "partial")
CURING: tuple[Pattern, ...] = ("cure", "cure", "redefault")
BEHIND: tuple[Pattern, ...] = ("deepening", "rolling")


def month_starts(first: date, last: date) -> list[date]:
    """The first of every month from `first` (a first of month) to `last`."""
    out, day = [], first.replace(day=1)
    while day <= last:
        out.append(day)
        day = (day + timedelta(days=32)).replace(day=1)
    return out


def months_before(day: date, months: int) -> date:
    """The first of the month `months` months before `day`'s month."""
    index = day.year * 12 + day.month - 1 - months
    return date(index // 12, index % 12 + 1, 1)


def _action(pattern: Pattern, month: int, *, cure: int, redefault: int, draw: float) -> Action:
    if pattern == "rolling":
        # Comment 31 Delinquency-2: a payment each month goes to the oldest installment; the borrower stays behind.
        return "miss" if month == 0 or draw < 0.2 else "pay_one"
    if pattern == "cure":
        return "miss" if month < cure else "pay_all" if month == cure else "on_time"
    if pattern == "redefault":
        return "miss" if month < cure else "pay_all" if month == cure else "on_time" if month < redefault else "miss"
    if pattern == "partial":
        return "pay_two" if month == cure else "miss"
    return "miss"


def payment_history(b: CaseBuilder, *, first_due: date, pattern: Pattern) -> None:
    """Record payment_missed for each unpaid installment and installment_paid (oldest first) for each payment."""
    cure = b.rng.randint(1, 3)
    redefault = cure + b.rng.randint(2, 5)
    for month, due in enumerate(month_starts(first_due, b.last_day)):
        action = _action(pattern, month, cure=cure, redefault=redefault, draw=b.rng.random())
        if action == "on_time" and not b.ledger.unpaid_on(due):
            continue  # paid when due: nothing to record
        if b.add("payment_missed", due, {"due_date": due.isoformat()}) is None:
            return
        b.ledger.entries.append((due, due, False))
        count = {"pay_one": 1, "pay_two": 2, "pay_all": 99}.get(action, 0)
        if count:
            pay_installments(b, b.days(due, 6, 24), count)


def pay_installments(b: CaseBuilder, day: date, count: int) -> None:
    """installment_paid for up to `count` unpaid installments, oldest first (comment 31 Delinquency-2)."""
    for due in b.ledger.unpaid_on(day)[:count]:
        if b.add("installment_paid", day, {"due_date": due.isoformat()}) is None:
            return
        b.ledger.entries.append((day, due, True))


def misposted_installment(b: CaseBuilder, *, due: date) -> None:
    """A payment_missed recorded by mistake (the payment was misposted), voided a few days later."""
    wrong = b.add("payment_missed", due, {"due_date": due.isoformat()}, ref=True)
    if wrong:
        b.add("entry_voided", b.days(due, 3, 12), {
            "voids": wrong,
            "reason": "installment was paid on time; the payment had been misposted to suspense",
        })

"""The foreclosure sale date in force on a given day, and sale-proximity tests of 1024.41 (rulebook §2.4)."""

from __future__ import annotations

from bisect import bisect_right
from datetime import date

from compliance.history import History

SALE_TYPES = ("foreclosure_sale_scheduled", "foreclosure_sale_cancelled", "foreclosure_sale_held")


def sale_date_on(history: History, day: date) -> date | None:
    """The scheduled sale date as known on `day` (latest scheduling wins; a cancellation clears it)."""
    days, sales = _sale_marks(history)
    index = bisect_right(days, day)
    return sales[index - 1] if index else None


def _sale_marks(history: History) -> tuple[tuple[date, ...], tuple[date | None, ...]]:
    return history.memo("sale_marks", _fold_sales)


def _fold_sales(history: History) -> tuple[tuple[date, ...], tuple[date | None, ...]]:
    # The sale date after each scheduling, cancellation or sale, in legal-date order (not log order: a late entry
    # of an older scheduling must not override a newer one); a day's answer is the last one on or before it.
    days: list[date] = []
    sales: list[date | None] = []
    sale: date | None = None
    for event in history.happened(*SALE_TYPES):
        if event.type == "foreclosure_sale_scheduled":
            sale = event.data.sale_date  # type: ignore[attr-defined]
        else:
            sale = None
        days.append(event.on)
        sales.append(sale)
    return tuple(days), tuple(sales)


def days_before_sale(history: History, day: date) -> int | None:
    """sale_date - day in calendar days, or None when no sale is scheduled on `day`."""
    sale = sale_date_on(history, day)
    return (sale - day).days if sale else None


def first_filing_on_or_before(history: History, day: date) -> date | None:
    """The legal date of the first foreclosure notice or filing made on or before `day`, if any."""
    dates = [e.on for e in history.of_type("first_notice_or_filing_made") if e.on <= day]
    return min(dates) if dates else None

"""The foreclosure sale date in force on a given day, and sale-proximity tests of 1024.41 (rulebook §2.4)."""

from __future__ import annotations

from datetime import date

from compliance.history import History


def sale_date_on(history: History, day: date) -> date | None:
    """The scheduled sale date as known on `day` (latest scheduling wins; a cancellation clears it)."""
    sale: date | None = None
    # Legal-date order, not log order: a late entry of an older scheduling must not override a newer one.
    for event in history.chronological:
        if event.on > day:
            continue
        if event.type == "foreclosure_sale_scheduled":
            sale = event.data.sale_date  # type: ignore[attr-defined]
        elif event.type in ("foreclosure_sale_cancelled", "foreclosure_sale_held"):
            sale = None
    return sale


def days_before_sale(history: History, day: date) -> int | None:
    """sale_date - day in calendar days, or None when no sale is scheduled on `day`."""
    sale = sale_date_on(history, day)
    return (sale - day).days if sale else None


def first_filing_on_or_before(history: History, day: date) -> date | None:
    """The legal date of the first foreclosure notice or filing made on or before `day`, if any."""
    dates = [e.on for e in history.of_type("first_notice_or_filing_made") if e.on <= day]
    return min(dates) if dates else None

"""Synthetic foreclosure milestones (first filing, sale dates scheduled, moved, cancelled, held) and transfers."""

from __future__ import annotations

from datetime import date

from compliance.portfolio_case import CaseBuilder

# States where foreclosure runs through the courts (a dispositive motion precedes the sale; 41(g) bars it).
JUDICIAL_STATES = frozenset("NY NJ FL IL PA OH IN KY LA SC CT DE ME ND NM VT WI IA KS NE OK HI".split())


def first_filing(b: CaseBuilder, day: date) -> bool:
    """The first foreclosure notice or filing (41(f)(1): not before the 121st day of delinquency, as a rule)."""
    return b.add("first_notice_or_filing_made", day) is not None


def schedule_sale(b: CaseBuilder, day: date, sale: date) -> bool:
    """foreclosure_sale_scheduled (a later scheduling moves the date)."""
    if b.add("foreclosure_sale_scheduled", day, {"sale_date": sale.isoformat()}) is None:
        return False
    b.sales.append((day, sale))
    return True


def cancel_sale(b: CaseBuilder, day: date) -> None:
    """foreclosure_sale_cancelled (after an accepted offer, a cure or a bankruptcy stay)."""
    if b.sale_on(day) is not None and b.add("foreclosure_sale_cancelled", day) is not None:
        b.sales.append((day, None))


def hold_sale(b: CaseBuilder, day: date) -> None:
    """foreclosure_sale_held on the sale date, then the case closes as foreclosed."""
    if b.add("foreclosure_sale_held", day) is not None:
        b.sales.append((day, None))
        b.add("case_closed", b.workday(day, 5, 20), {"reason": "foreclosed"})


def sale_timeline(b: CaseBuilder, filing: date, *, judicial: bool) -> date | None:
    """Schedule a sale after the filing, move it now and then, and file the motion in judicial states."""
    scheduled = b.workday(filing, 25, 60)
    sale = b.workday(scheduled, 70, 160)
    if not schedule_sale(b, scheduled, sale):
        return None
    if judicial:
        b.add("foreclosure_motion_filed", b.workday(scheduled, 20, 50))
    if b.rng.random() < 0.3:
        moved = b.workday(sale, -14, -3)
        later = b.workday(sale, 30, 75)
        if schedule_sale(b, moved, later):
            sale = later
    return sale


def transfer_in(b: CaseBuilder, day: date) -> bool:
    """servicing_transferred in: this servicer begins accepting payments on `day` (41(k)(1)(ii))."""
    data = {"direction": "in", "transfer_date": day.isoformat()}
    return b.add("servicing_transferred", day, data) is not None


def transfer_out(b: CaseBuilder, day: date) -> None:
    """servicing_transferred out, then the case closes as transferred out."""
    if b.add("servicing_transferred", day, {"direction": "out", "transfer_date": day.isoformat()}) is not None:
        b.add("case_closed", b.workday(day, 1, 5), {"reason": "transferred_out"})

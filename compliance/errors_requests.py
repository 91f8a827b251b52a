"""Notices of error (12 CFR 1024.35) and requests for information (1024.36): acknowledgment and response clocks."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from compliance.clock import Clock
from compliance.derived_deadline import inapplicable_clock
from compliance.envelope import CaseEvent
from compliance.evaluation import Evaluation
from compliance.request_clock import Cap, Term, request_deadline
from compliance.rulebook import rule

NOE_ACK, NOE_RESPONSE = rule("noe_ack"), rule("noe_response")
RFI_ACK, RFI_RESPONSE = rule("rfi_ack"), rule("rfi_response")
LATE_NOTICE_DAYS = 7  # 35(f)(2): received "7 or fewer days before" a sale

NOE_TERMS = {
    "payoff": Term(7, "12 CFR 1024.35(e)(3)(i)(A) (payoff balance); no extension",
                   extension_type="error_response_extended", extension_cite="12 CFR 1024.35(e)(3)(ii)"),
    "foreclosure": Term(30, "12 CFR 1024.35(e)(3)(i)(B) (improper first notice, filing or sale); no extension",
                        extension_type="error_response_extended", extension_cite="12 CFR 1024.35(e)(3)(ii)"),
    "other": Term(30, "12 CFR 1024.35(e)(3)(i)(C)", extendable=True, extension_type="error_response_extended",
                  extension_cite="12 CFR 1024.35(e)(3)(ii)"),
}
RFI_TERMS = {
    "owner_identity": Term(10, "12 CFR 1024.36(d)(2)(i)(A) (owner or assignee identity); no extension",
                           extension_type="information_request_extended", extension_cite="12 CFR 1024.36(d)(2)(ii)"),
    "other": Term(30, "12 CFR 1024.36(d)(2)(i)(B)", extendable=True, extension_type="information_request_extended",
                  extension_cite="12 CFR 1024.36(d)(2)(ii)"),
}
ACK_TERMS = {
    "noe_ack": Term(5, "12 CFR 1024.35(d) (or corrected within 5 days, 1024.35(f)(1))"),
    "rfi_ack": Term(5, "12 CFR 1024.36(c) (or answered within 5 days, 1024.36(e))"),
}


@dataclass(frozen=True)
class SaleTrack:
    """The foreclosure sale date in force on receipt and now, with every change since receipt."""

    at_receipt: date | None
    current: date | None
    lines: tuple[str, ...]
    flags: tuple[str, ...]


def clocks(ev: Evaluation) -> list[Clock]:
    """Every noe_ack, noe_response, rfi_ack and rfi_response clock of the case."""
    out: list[Clock] = []
    for received in ev.history.of_type("error_notice_received"):
        out += error_notice_clocks(ev, received)
    for received in ev.history.of_type("information_request_received"):
        flags = _duplicate_flags(ev, received)
        term = RFI_TERMS[received.data.category]  # type: ignore[attr-defined]
        out += [request_deadline(ev, RFI_ACK, received, ACK_TERMS["rfi_ack"], flags=flags),
                request_deadline(ev, RFI_RESPONSE, received, term, flags=flags)]
    return out


def error_notice_clocks(ev: Evaluation, received: CaseEvent) -> list[Clock]:
    """noe_ack and noe_response; a foreclosure-category notice is capped by, or excused near, the sale date."""
    category = received.data.category  # type: ignore[attr-defined]
    flags = _duplicate_flags(ev, received)
    if category != "foreclosure":
        return [request_deadline(ev, NOE_ACK, received, ACK_TERMS["noe_ack"], flags=flags),
                request_deadline(ev, NOE_RESPONSE, received, NOE_TERMS[category], flags=flags)]
    sale = sale_track(ev, received)
    late = _late_notice(received, sale)
    if late is not None:
        flags = (*flags, *sale.flags, "good_faith_response_before_sale", "unit_not_stated")
        return [inapplicable_clock(ev, r, received, late, steps=sale.lines, flags=flags)
                for r in (NOE_ACK, NOE_RESPONSE)]
    cap = None
    if sale.current is not None:
        last = sale.current - timedelta(days=1)
        cap = Cap(last, (f'"prior to the date of a foreclosure sale": the last permitted day is {sale.current} - 1 = '
                         f"{last} (12 CFR 1024.35(e)(3)(i)(B))",))
    return [request_deadline(ev, NOE_ACK, received, ACK_TERMS["noe_ack"], flags=flags),
            request_deadline(ev, NOE_RESPONSE, received, NOE_TERMS["foreclosure"], cap=cap,
                             flags=(*flags, *sale.flags), steps=sale.lines)]


def _late_notice(received: CaseEvent, sale: SaleTrack) -> str | None:
    if sale.at_receipt is None:
        return None
    days = (sale.at_receipt - received.on).days
    if days > LATE_NOTICE_DAYS:
        return None
    # The rule states no unit; calendar days exempt fewer notices than business days would (rulebook RX-35-LATE-FC).
    return (f"received {days} days before the foreclosure sale on {sale.at_receipt}: 1024.35(d) and (e) do not apply "
            "(12 CFR 1024.35(f)(2)); a good-faith response before the sale is still expected (days counted as "
            "calendar days: the rule states no unit, and this reading exempts the fewest notices)")


def sale_track(ev: Evaluation, received: CaseEvent) -> SaleTrack:
    """Fold sale scheduling, cancellation and holding; a sale on or before the receipt date is no longer pending."""
    mark = (received.on, received.version)
    before = [e for e in ev.history.chronological if (e.on, e.version) <= mark]
    at_receipt = _fold_sales(before, None, [])
    lines = [f"sale in force on receipt: {at_receipt}" if at_receipt else "no foreclosure sale scheduled on receipt"]
    current = _fold_sales([e for e in ev.history.chronological if (e.on, e.version) > mark], at_receipt, lines)
    return _stale(received, at_receipt, current, tuple(lines))


def _fold_sales(events: list[CaseEvent], sale: date | None, lines: list[str]) -> date | None:
    for event in events:
        if event.type == "foreclosure_sale_scheduled":
            sale = event.data.sale_date  # type: ignore[attr-defined]
            lines.append(f"sale (re)scheduled on {event.on} for {sale}: the due date is recomputed")
        elif event.type == "foreclosure_sale_cancelled" and sale is not None:
            sale = None
            lines.append(f"sale cancelled on {event.on}")
        elif event.type == "foreclosure_sale_held" and sale is not None:
            # The sale took place on the day it was held, whatever date had been scheduled.
            sale = event.on
            lines.append(f"sale held on {event.on}")
    return sale


def _stale(received: CaseEvent, at_receipt: date | None, current: date | None, lines: tuple[str, ...]) -> SaleTrack:
    # A recorded sale date on or before the receipt has passed: no sale is pending for this notice.
    flags: list[str] = []
    if at_receipt is not None and at_receipt <= received.on:
        lines = (*lines, f"the sale date {at_receipt} is not after the receipt: ignored")
        at_receipt, flags = None, ["stale_sale_date"]
        current = current if current is not None and current > received.on else None
    if len(lines) > 1:
        flags.append("sale_date_changed")
    if current is None:
        lines = (*lines, "no sale pending: the 30-day limit governs")
    return SaleTrack(at_receipt, current, lines, tuple(flags))


def _duplicate_flags(ev: Evaluation, received: CaseEvent) -> tuple[str, ...]:
    key = received.data.request_id  # type: ignore[attr-defined]
    same = [e for e in ev.history.of_type(received.type) if e.data.request_id == key]  # type: ignore[attr-defined]
    return ("duplicate_request_id",) if len(same) > 1 else ()

"""Synthetic notices of error (1024.35) and requests for information (1024.36), answered on time or not."""

from __future__ import annotations

from datetime import date, timedelta

from compliance.portfolio_case import CaseBuilder

NOE_CATEGORIES = ("payoff", "other", "other")
RFI_CATEGORIES = ("owner_identity", "other")


def error_notice(b: CaseBuilder, day: date, *, category: str | None = None, corrected: bool = False) -> None:
    """error_notice_received, its acknowledgment, an extension now and then, and the resolution."""
    request = b.serial("E", "error_notice_received")
    chosen = category or b.rng.choice(NOE_CATEGORIES)
    data = {"request_id": request, "category": chosen}
    if not _received(b, "error_notice_received", day, data, corrected=corrected):
        return
    ours = {"request_id": request}
    _acknowledge(b, "error_notice_acknowledged", day, ours)
    if chosen == "payoff":
        _respond(b, "error_notice_resolved", day, ours, window=(2, 7), late=(8, 12))
    elif chosen == "foreclosure":
        _before_sale(b, day, ours)
    else:
        _respond(b, "error_notice_resolved", day, ours, window=(8, 30), late=(31, 40), extend="error_response_extended")


def information_request(b: CaseBuilder, day: date, *, category: str | None = None) -> None:
    """information_request_received, its acknowledgment, and the answer (owner identity: 10 days, no extension)."""
    request = b.serial("R", "information_request_received")
    chosen = category or b.rng.choice(RFI_CATEGORIES)
    if not _received(b, "information_request_received", day, {"request_id": request, "category": chosen}):
        return
    ours = {"request_id": request}
    _acknowledge(b, "information_request_acknowledged", day, ours)
    if chosen == "owner_identity":
        _respond(b, "information_request_answered", day, ours, window=(2, 10), late=(11, 16))
    else:
        _respond(b, "information_request_answered", day, ours, window=(6, 30), late=(31, 40),
                 extend="information_request_extended")


def _received(b: CaseBuilder, kind: str, day: date, data: dict[str, str], *, corrected: bool = False) -> bool:
    if not corrected:
        return b.add(kind, day, data) is not None
    # Entered with the date it reached the case system; corrected to the date it reached the designated address.
    keyed = b.days(day, 2, 3)
    wrong = b.add(kind, keyed, data, ref=True)
    if wrong:
        b.add("entry_corrected", b.days(keyed, 1, 4), {
            "corrects": wrong, "reason": "received at the designated address earlier than the system entry date",
            "replacement": {"occurred_at": day.isoformat()},
        })
    return bool(wrong)


def _acknowledge(b: CaseBuilder, kind: str, day: date, data: dict[str, str]) -> None:
    slip = b.slip()
    if slip != "missing":
        b.add(kind, b.business(day, 1, 5) if slip == "on_time" else b.business(day, 6, 9), data)


def _respond(
    b: CaseBuilder, kind: str, day: date, data: dict[str, str], *, window: tuple[int, int], late: tuple[int, int],
    extend: str | None = None,
) -> None:
    slip = b.slip()
    if extend and slip == "on_time" and b.rng.random() < 0.25:
        # 1024.35(e)(3)(ii) / 36(d)(2)(ii): one 15-day extension, noticed before day 30.
        b.add(extend, b.business(day, 20, 29), data)
        b.add(kind, b.business(day, 31, 45), data)
    elif slip != "missing":
        b.add(kind, b.business(day, *window) if slip == "on_time" else b.business(day, *late), data)


def _before_sale(b: CaseBuilder, day: date, data: dict[str, str]) -> None:
    # 1024.35(e)(3)(i)(B): before the sale date or within 30 business days, whichever is earlier.
    sale = b.sale_on(day)
    limit = b.calendar.add_business_days(day, 30)
    if sale is not None and sale - timedelta(days=1) < limit:
        limit = sale - timedelta(days=1)
    slip = b.slip()
    if slip == "on_time" and limit > day:
        b.add("error_notice_resolved", b.workday(day, 1, (limit - day).days), data)
    elif slip == "late":
        b.add("error_notice_resolved", b.workday(limit, 1, 6), data)

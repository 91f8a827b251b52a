"""Synthetic loss mitigation intake (1024.41(b), (c)(2)-(3)): receipt, acknowledgment, documents, completion."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from compliance.portfolio_case import CaseBuilder

MISSING_ITEMS = (
    "two most recent pay stubs",
    "hardship letter",
    "two months of bank statements",
    "most recent federal tax return",
    "signed IRS Form 4506-C",
    "homeowners association statement",
    "profit and loss statement",
)


@dataclass
class Application:
    """What was recorded of one application: its id, receipt date and every (facial) completion date."""

    id: str
    received: date
    completions: list[date] = field(default_factory=list)

    @property
    def complete_on(self) -> date | None:
        """The latest completion (the 30-day evaluation runs from actual completion, 41(c)(2)(iv))."""
        return self.completions[-1] if self.completions else None

    def data(self, **extra: object) -> dict[str, object]:
        """An event payload naming this application."""
        return {"application_id": self.id, **extra}


def receive(b: CaseBuilder, day: date, *, corrected: bool = False) -> Application | None:
    """application_received; `corrected`: first entered with the scan date, then corrected to the date stamp."""
    app = Application(b.serial("A", "application_received"), day)
    if not corrected:
        return app if b.add("application_received", day, app.data()) is not None else None
    scanned = b.days(day, 2, 4)
    wrong = b.add("application_received", scanned, app.data(), ref=True)
    if not wrong:
        return None
    b.add("entry_corrected", b.days(scanned, 1, 3), {
        "corrects": wrong, "reason": "receipt date corrected to the mailroom date stamp",
        "replacement": {"occurred_at": day.isoformat()},
    })
    return app


def acknowledge(
    b: CaseBuilder, app: Application, *, complete: bool, start: date | None = None, within: int = 5
) -> date | None:
    """41(b)(2)(i)(B): the acknowledgment within 5 business days (a transferee: 10 from the transfer, 41(k)(2))."""
    slip, start = b.slip(), start or app.received
    if slip == "missing":
        return None
    day = b.business(start, 1, within) if slip == "on_time" else b.business(start, within + 1, within + 4)
    data = app.data(complete=complete)
    if not complete:
        data["missing_items"] = b.rng.sample(MISSING_ITEMS, b.rng.randint(1, 3))
        return_by = _return_by(b, day)
        if return_by is not None:
            data["return_by"] = return_by.isoformat()
    return day if b.add("application_acknowledged", day, data) is not None else None


def reasonable_date(b: CaseBuilder, notice: date) -> date:
    """41(b)(2)(ii): max(notice + 7, min(notice + 30, milestones still ahead)) (comments -1 to -3)."""
    candidates = [notice + timedelta(days=30)]
    oldest, sale = b.ledger.oldest_unpaid(notice), b.sale_on(notice)
    milestones = [oldest + timedelta(days=120)] if oldest else []
    milestones += [sale - timedelta(days=90), sale - timedelta(days=38)] if sale else []
    candidates += [m for m in milestones if m > notice]
    return max(notice + timedelta(days=7), min(candidates))


def _return_by(b: CaseBuilder, notice: date) -> date | None:
    draw, latest = b.rng.random(), reasonable_date(b, notice)
    if draw < 0.03:
        return None  # not recorded on the notice
    if draw < 0.07:
        return notice + timedelta(days=40)  # later than any reasonable date
    if draw < 0.12:
        return notice + timedelta(days=30)  # the safe harbor, ignoring an earlier milestone
    return max(notice + timedelta(days=7), latest - timedelta(days=b.rng.randint(0, 3)))


def documents(b: CaseBuilder, app: Application, day: date, *, facially: bool = True) -> date | None:
    """The borrower returns the missing items; the application becomes (facially) complete that day."""
    items = b.rng.sample(MISSING_ITEMS, b.rng.randint(1, 2))
    if b.add("application_documents_received", day, app.data(items=items)) is None:
        return None
    b.add("application_completed", day, app.data(facially=facially))
    app.completions.append(day)
    return day


def more_information(b: CaseBuilder, app: Application, complete: date) -> date | None:
    """41(c)(2)(iv): after facial completeness the servicer needs more; the borrower sends it later."""
    asked = b.business(complete, 2, 6)
    if b.add("additional_information_requested", asked, app.data()) is None:
        return None
    return documents(b, app, b.days(asked, 4, 15), facially=False)


def complete_notice(b: CaseBuilder, app: Application, complete: date) -> None:
    """41(c)(3): notice of complete application within 5 business days of each completion."""
    slip = b.slip()
    if slip != "missing":
        day = b.business(complete, 1, 5) if slip == "on_time" else b.business(complete, 6, 9)
        b.add("complete_application_notice_sent", day, app.data())


def short_term_offer(b: CaseBuilder, app: Application, day: date) -> None:
    """41(c)(2)(iii): a forbearance or repayment plan on an incomplete application, then its written notice."""
    option = b.rng.choice(("forbearance", "repayment_plan"))
    if b.add("short_term_option_offered", day, app.data(option=option)) is None:
        return
    slip = b.slip()
    if slip != "missing":
        sent = b.business(day, 1, 5) if slip == "on_time" else b.business(day, 6, 9)
        b.add("short_term_option_notice_sent", sent, app.data(option=option))
    if b.rng.random() < 0.75:
        accepted = b.days(day, 3, 10)
        b.add("offer_accepted", accepted, app.data(option=option))
        b.add("option_started", b.days(accepted, 1, 5), app.data(option=option))
    else:
        b.add("offer_rejected", b.days(day, 2, 8), app.data(option=option))

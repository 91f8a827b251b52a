"""Demo storylines around delinquency and contacts: early delinquency, cures, bankruptcy, cease, Reg F, requests."""

from __future__ import annotations

from datetime import date, timedelta

from compliance.portfolio_case import CaseBuilder
from compliance.portfolio_contacts import EDGE_CASES, other_channels
from compliance.portfolio_ledger import BEHIND, CURING, EARLY, months_before, payment_history
from compliance.portfolio_lm_stories import delinquency
from compliance.portfolio_outreach import (
    bankruptcy,
    cease_communication,
    continuity_of_contact,
    live_contact_efforts,
    written_notices,
)
from compliance.portfolio_requests import error_notice, information_request


def early_delinquency(b: CaseBuilder) -> None:
    """One to four installments behind: the early intervention clocks are the board's busiest."""
    first_due = months_before(b.last_day, b.rng.randint(0, 3))
    delinquency(b, first_due, pattern=b.rng.choice(EARLY))


def cured(b: CaseBuilder) -> None:
    """Delinquent, then caught up (oldest first); some stay current and close, some default again."""
    first_due = months_before(b.last_day, b.rng.randint(2, 10))
    pattern = b.rng.choice(CURING)
    delinquency(b, first_due, pattern=pattern)
    paid = b.dates("installment_paid")
    if pattern == "cure" and paid and not b.ledger.unpaid_on(b.last_day) and b.rng.random() < 0.5:
        b.add("case_closed", b.workday(max(paid), 30, 60), {"reason": "cured"})


def in_bankruptcy(b: CaseBuilder) -> None:
    """A petition while delinquent: no live-contact duty during the case (1024.39(c)), calls stop."""
    first_due = months_before(b.last_day, b.rng.randint(2, 9))
    payment_history(b, first_due=first_due, pattern="deepening")
    bankruptcy(b, min(b.days(first_due, 20, 150), b.last_day))
    _outreach(b, first_due)


def ceased(b: CaseBuilder) -> None:
    """An FDCPA debt collector receives an 805(c) notice: no live contact (1024.39(d)), written notices go on."""
    first_due = months_before(b.last_day, b.rng.randint(2, 8))
    payment_history(b, first_due=first_due, pattern=b.rng.choice(BEHIND))
    cease_communication(b, min(b.days(first_due, 15, 90), b.last_day))
    _outreach(b, first_due)


def _outreach(b: CaseBuilder, first_due: date) -> None:
    continuity_of_contact(b, first_due)
    live_contact_efforts(b)
    written_notices(b)


def regulation_f(b: CaseBuilder) -> None:
    """An FDCPA debt collector's contact log with one or two Regulation F edge cases."""
    first_due = months_before(b.last_day, b.rng.randint(1, 5))
    delinquency(b, first_due, pattern=b.rng.choice(BEHIND))
    for edge in b.rng.sample(EDGE_CASES, b.rng.randint(1, 2)):
        edge(b, max(first_due, b.last_day - timedelta(days=b.rng.randint(1, 60))))
    other_channels(b, b.days(first_due, 5, 25))


def servicing_requests(b: CaseBuilder) -> None:
    """A borrower who is current writes in: notices of error and requests for information (1024.35, .36)."""
    first = b.last_day - timedelta(days=b.rng.randint(0, 120))
    b.assign(first)
    draw = b.rng.random()
    if draw < 0.65:
        error_notice(b, first, corrected=b.rng.random() < 0.12)
    if draw > 0.35:
        information_request(b, b.days(first, 0, 20))

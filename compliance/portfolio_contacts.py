"""Synthetic contact-log edge cases of Regulation F (1006.14(b), 1006.6(b)) and harmless specialist notes."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time, timedelta

from compliance.portfolio_case import CaseBuilder

# Synthetic, generic wording only: never a name, an address, an account number or any real personal data.
NOTES = (
    "Borrower asked about the status of the application.",
    "Explained which documents are still needed and how to upload them.",
    "Borrower asked for a call back next week.",
    "Discussed repayment plan terms; borrower will review them.",
    "Walked through the escrow shortage explanation.",
    "Borrower confirmed receipt of the acknowledgment letter.",
    "Mailed the list of HUD-approved housing counselors.",
    "Borrower prefers contact by secure portal message.",
)
SUMMARIES = ("Borrower called about the monthly statement", "Borrower asked about loss mitigation options")


def eight_calls(b: CaseBuilder, start: date) -> None:
    """1006.14(b)(2)(i)(A): eight calls within seven consecutive days (none answered)."""
    for index in range(8):
        day = start + timedelta(days=index * 6 // 7)
        hour = 10 + (index % 2) * 7
        b.contact(b.local(day, hour, 5 * index), outcome=b.rng.choice(("no_answer", "left_message", "busy")))


def call_after_conversation(b: CaseBuilder, day: date) -> None:
    """1006.14(b)(2)(i)(B): an inbound conversation, then an outbound call within seven days."""
    b.contact(b.local(day, 14, 0), outcome="live_contact", direction="inbound", summary=b.rng.choice(SUMMARIES))
    b.contact(b.local(b.days(day, 2, 6), 10, 30), outcome="no_answer")


def inconvenient_call(b: CaseBuilder, day: date) -> None:
    """1006.6(b)(1)(i): a call before 8 a.m. or after 9 p.m. at the borrower's location."""
    hour, minute = b.rng.choice(((7, 45), (7, 40), (21, 20), (21, 5)))
    b.contact(b.local(day, hour, minute), outcome="no_answer")


def dst_calls(b: CaseBuilder, earliest: date) -> None:
    """Calls on a daylight-saving transition day: 8:10 a.m. is allowed, 7:50 a.m. is not (borrower-local)."""
    day = last_transition(b, earliest)
    if day is not None:
        b.contact(b.local(day, 7, 50), outcome="no_answer")
        b.contact(b.local(day, 8, 10), outcome="left_message")


def last_transition(b: CaseBuilder, earliest: date) -> date | None:
    """The latest day in [earliest, yesterday] on which the borrower's clocks changed (None: no DST there)."""
    day = b.last_day
    while day >= earliest:
        if _offset(b, day) != _offset(b, day - timedelta(days=1)):
            return day
        day -= timedelta(days=1)
    return None


def _offset(b: CaseBuilder, day: date) -> timedelta | None:
    return datetime.combine(day, time(12), tzinfo=b.borrower_zone).utcoffset()


def other_channels(b: CaseBuilder, day: date) -> None:
    """Inbound and written contacts: a portal message, an e-mail, a returned letter (not telephone calls)."""
    channel, outcome, direction = b.rng.choice((
        ("portal", "delivered", "inbound"), ("email", "delivered", "outbound"), ("letter", "returned", "outbound"),
        ("phone", "live_contact", "inbound"),
    ))
    b.contact(b.local(day, b.rng.randint(9, 17), 20), outcome=outcome, channel=channel, direction=direction)


def notes(b: CaseBuilder, start: date) -> None:
    """One to three note_added entries with synthetic text between `start` and yesterday."""
    span = max((b.last_day - start).days, 0)
    for _ in range(b.rng.randint(1, 3)):
        b.add("note_added", start + timedelta(days=b.rng.randint(0, span)), {"text": b.rng.choice(NOTES)})


EDGE_CASES: tuple[Callable[[CaseBuilder, date], None], ...] = (
    eight_calls, call_after_conversation, inconvenient_call, dst_calls,
)

"""Synthetic early intervention (1024.39), continuity of contact (1024.40), bankruptcy and cease-communication."""

from __future__ import annotations

from datetime import date, timedelta

from compliance.portfolio_case import CaseBuilder

OUTCOMES = ("live_contact", "left_message", "no_answer", "busy")
OUTCOME_WEIGHTS = (35, 30, 30, 5)


def business_hours_call(b: CaseBuilder, day: date, *, outcome: str | None = None) -> str | None:
    """An outbound call between 9 a.m. and 6:59 p.m. at the borrower's location (1006.6(b)(1)(i) respected)."""
    if b.is_quiet(day):
        return None
    chosen = outcome or b.rng.choices(OUTCOMES, OUTCOME_WEIGHTS)[0]
    moment = b.local(day, b.rng.randint(9, 18), b.rng.choice((0, 10, 15, 25, 30, 40, 45, 55)))
    return b.contact(moment, outcome=chosen)


def live_contact_efforts(b: CaseBuilder) -> None:
    """1024.39(a): a good-faith effort within 36 days of each due date while delinquent (some late or missing)."""
    for due in b.ledger.missed():
        if not b.ledger.unpaid_on(due + timedelta(days=20)):
            continue  # paid within weeks: no effort is needed
        slip = b.slip()
        if slip == "late":
            # Not a conversation, so the late effort never starts a Reg F 7-day period on its own.
            business_hours_call(b, b.workday(due, 37, 40), outcome="left_message")
        elif slip == "on_time":
            _monthly_calls(b, due)


def _monthly_calls(b: CaseBuilder, due: date) -> None:
    # At most two calls, eight or more days apart, and none after a conversation (1006.14(b)(2)(i)(B)).
    first = b.workday(due, 3, 12)
    business_hours_call(b, first)
    if b.rng.random() < 0.4:
        business_hours_call(b, b.workday(first, 8, 9), outcome="left_message")


def written_notices(b: CaseBuilder) -> None:
    """1024.39(b): a written notice by day 45 of delinquency, repeated no more than once per 180 days."""
    prior: date | None = None
    for due in b.ledger.missed():
        if b.ledger.oldest_unpaid(due + timedelta(days=45)) is None:
            continue  # cured before day 45 (comment 39(b)(1)-1)
        deadline = due + timedelta(days=45)
        if prior is not None and deadline < prior + timedelta(days=180):
            continue
        prior = _notice(b, deadline) or prior


def _notice(b: CaseBuilder, deadline: date) -> date | None:
    slip = b.slip()
    if slip == "missing":
        return None
    day = b.workday(deadline, -20, 0) if slip == "on_time" else b.workday(deadline, 2, 15)
    return day if b.add("early_intervention_notice_sent", day) is not None else None


def continuity_of_contact(b: CaseBuilder, first_due: date) -> None:
    """1024.40(a): assign personnel by day 45; the case's assignment (routing) usually comes with it."""
    slip = b.slip(missing=0.0)
    # Before the written notice (40(a)(1): "by the time" it is provided), so assign early.
    day = b.workday(first_due, 46, 58) if slip == "late" else b.workday(first_due, 2, 15)
    b.assign(day)
    if b.rng.random() < 0.5:
        b.add("personnel_assigned", day, {"staff_id": b.staff_id})


def bankruptcy(b: CaseBuilder, petition: date) -> None:
    """A petition (the stay stops calls); later dismissed, discharged or relief granted, or still pending."""
    chapter = b.rng.choice((7, 13, 13))
    if b.add("bankruptcy_filed", petition, {"chapter": chapter, "petition_date": petition.isoformat()}) is None:
        return
    ended: date | None = None
    if b.rng.random() < 0.5:
        ended = b.days(petition, 60, 240)
        how = b.rng.choice(("dismissed", "discharged", "relief_from_stay"))
        if b.add("bankruptcy_ended", ended, {"how": how}) is None:
            ended = None
    b.quiet.append((petition, ended))
    if b.rng.random() < 0.25:
        # A collection call during the stay: a finding for the contact-compliance report.
        b.contact(b.local(b.days(petition, 3, 20), 11, 5), outcome="left_message")


def cease_communication(b: CaseBuilder, day: date) -> None:
    """FDCPA 805(c) notice: calls stop (1024.39(d) exempts live contact); a few calls slip through."""
    if b.add("cease_communication_received", day) is None:
        return
    b.quiet.append((day, None))
    if b.rng.random() < 0.3:
        b.contact(b.local(b.days(day, 5, 30), 14, 20), outcome="left_message")

"""Demo storylines around loss mitigation: applications, foreclosure with dual tracking, and transfers in."""

from __future__ import annotations

from datetime import date, timedelta

from compliance.portfolio_case import CaseBuilder
from compliance.portfolio_decisions import Decision, answer, appeal, decide, decide_appeal, evaluate
from compliance.portfolio_foreclosure import (
    cancel_sale,
    first_filing,
    hold_sale,
    sale_timeline,
    schedule_sale,
    transfer_in,
)
from compliance.portfolio_intake import (
    Application,
    acknowledge,
    complete_notice,
    documents,
    more_information,
    receive,
    short_term_offer,
)
from compliance.portfolio_ledger import BEHIND, Pattern, months_before, payment_history
from compliance.portfolio_outreach import continuity_of_contact, live_contact_efforts, written_notices


def delinquency(b: CaseBuilder, first_due: date, *, pattern: Pattern = "deepening") -> None:
    """A payment history with the early intervention and continuity-of-contact work that follows it."""
    payment_history(b, first_due=first_due, pattern=pattern)
    continuity_of_contact(b, first_due)
    live_contact_efforts(b)
    written_notices(b)


def application(b: CaseBuilder, received: date) -> tuple[Application, Decision | None] | None:
    """One application from receipt to decision, with the borrower's answer or appeal."""
    corrected = b.rng.random() < 0.06
    app = receive(b, received, corrected=corrected)
    if app is None:
        return None
    if not _intake(b, app, at_once=not corrected and b.rng.random() < 0.08):
        return app, None
    return app, _decision(b, app)


def _intake(b: CaseBuilder, app: Application, *, at_once: bool) -> bool:
    # Whether the application became (facially) complete: at once, after documents, or never.
    ack = acknowledge(b, app, complete=at_once)
    if at_once:
        b.add("application_completed", app.received, app.data(facially=True))
        app.completions.append(app.received)
        return True  # 41(c)(3)(ii)(A): the acknowledgment said complete; no separate notice
    if b.rng.random() < 0.14:
        if b.rng.random() < 0.7:
            short_term_offer(b, app, b.days(app.received, 3, 12))
        return False  # the borrower never sent the documents
    if b.rng.random() < 0.06:
        short_term_offer(b, app, b.days(app.received, 3, 8))  # a forbearance while documents are gathered
    done = documents(b, app, b.days(ack or app.received, 3, 30))
    if done and b.rng.random() < 0.15:
        more_information(b, app, done)
    for completion in app.completions:
        complete_notice(b, app, completion)
    return bool(app.completions)


def _decision(b: CaseBuilder, app: Application, *, start: date | None = None) -> Decision | None:
    decision = evaluate(b, app, start=start, third_party=b.rng.random() < 0.07)
    if decision is not None:
        answer(b, app, decision)
        if decision.modification_denied and b.rng.random() < 0.45:
            appeal(b, app, decision)
    return decision


def loss_mitigation(b: CaseBuilder) -> None:
    """A delinquent borrower applies; some re-apply after a denial while still delinquent (41(i))."""
    received = b.last_day - timedelta(days=b.rng.randint(0, 160))
    delinquency(b, months_before(received, b.rng.randint(1, 4)), pattern=b.rng.choice(BEHIND))
    outcome = application(b, received)
    if outcome and outcome[1] and outcome[1].modification_denied and b.rng.random() < 0.3:
        application(b, b.days(outcome[1].on, 30, 90))


def foreclosure(b: CaseBuilder) -> None:
    """Past 120 days: first filing (a few too early), sale dates scheduled and moved, applications during it."""
    first_due = months_before(b.last_day, b.rng.randint(5, 14))
    delinquency(b, first_due)
    variant = b.rng.choices(("plain", "lm_during", "referral"), (40, 45, 15))[0]
    if variant == "referral":
        return _referral_while_pending(b, first_due)
    early = b.rng.random() < 0.1
    filing = b.workday(first_due, 95, 116) if early else b.workday(first_due, 121, 160)
    if not first_filing(b, filing):
        return None
    # With an application in the story, any motion is filed by the application's own timeline (41(g)).
    sale = sale_timeline(b, filing, judicial=b.judicial and variant == "plain")
    if sale is not None and variant == "lm_during":
        sale = _application_before_sale(b, filing, sale)
    if sale is not None:
        _sale_day(b, sale)
    return None


def _referral_while_pending(b: CaseBuilder, first_due: date) -> None:
    # 41(f)(2): a complete application before any filing; the filing is made anyway (or only after release).
    app = receive(b, b.days(first_due, 80, 120))
    if app is None or not _intake(b, app, at_once=False) or app.complete_on is None:
        return
    if b.rng.random() < 0.5:
        first_filing(b, b.workday(app.complete_on, 3, 15))
        _decision(b, app)
    elif (decision := _decision(b, app)) is not None:
        first_filing(b, b.workday(decision.on, 45, 70))


def _application_before_sale(b: CaseBuilder, filing: date, sale: date) -> date | None:
    """An application while a sale is scheduled; a protected one postpones the sale (or, rarely, does not)."""
    received = max(b.days(filing, 5, 20), sale - timedelta(days=b.rng.randint(30, 120)))
    accepted_before = len(b.dates("offer_accepted"))
    outcome = application(b, received)
    if outcome is None or not outcome[0].completions:
        return sale
    app, decision = outcome
    if (sale - app.completions[0]).days < 38:
        return sale  # 41(g) protects only applications complete more than 37 days before the sale
    if b.rng.random() < 0.2:
        # 41(g) violation: the dispositive motion (judicial) or the sale itself while the application is pending.
        if b.judicial:
            b.add("foreclosure_motion_filed", b.workday(app.completions[0], 2, 10))
        return sale if not b.judicial else None
    if len(b.dates("offer_accepted")) > accepted_before:
        cancel_sale(b, b.workday(max(b.dates("offer_accepted")), 1, 7))
        return None
    if decision is None or decision.on + timedelta(days=30) >= sale:
        # Counsel is told to postpone: the new date leaves room for the decision and the borrower's windows.
        later = b.workday(decision.on if decision else sale, 40, 90)
        return later if schedule_sale(b, b.workday(app.completions[0], 3, 20), later) and decision else None
    return sale


def _sale_day(b: CaseBuilder, sale: date) -> None:
    # A sale date that has passed is held, or moved once more at the last minute.
    if not b.happened(sale) or b.sale_on(sale) != sale:
        return
    if b.rng.random() < 0.7:
        hold_sale(b, sale)
    else:
        schedule_sale(b, b.workday(sale, -7, -2), b.workday(sale, 30, 60))


def transfer(b: CaseBuilder) -> None:
    """Servicing transferred in with an application, a complete application or an appeal in flight (41(k))."""
    day = b.last_day - timedelta(days=b.rng.randint(0, 70))
    variant = b.rng.choice(("ack", "pending", "appeal"))
    back = {"ack": (1, 4), "pending": (35, 70), "appeal": (90, 130)}[variant]
    received = day - timedelta(days=b.rng.randint(*back))
    first_due = months_before(received, b.rng.randint(1, 3))
    payment_history(b, first_due=first_due, pattern="deepening")
    b.add("personnel_assigned", b.workday(first_due, 5, 30), {"staff_id": "S-PRIOR-SERVICER"})
    live_contact_efforts(b)
    written_notices(b)
    app = receive(b, received)
    if app is not None:
        {"ack": _transferred_ack, "pending": _transferred_pending, "appeal": _transferred_appeal}[variant](b, app, day)
    if transfer_in(b, day):
        b.assign(b.workday(day, 0, 3))


def _transferred_ack(b: CaseBuilder, app: Application, day: date) -> None:
    # 41(k)(2): the transferor's 5 days had not run out; the transferee acknowledges within 10 of the transfer.
    ack = acknowledge(b, app, complete=False, start=day, within=10)
    done = documents(b, app, b.days(ack or day, 5, 25))
    if done:
        complete_notice(b, app, done)
        _decision(b, app)


def _transferred_pending(b: CaseBuilder, app: Application, day: date) -> None:
    # 41(k)(3): complete before the transfer and not yet evaluated; the transferee has 30 days from the transfer.
    acknowledge(b, app, complete=False)
    done = documents(b, app, day - timedelta(days=b.rng.randint(3, 15)))
    if done:
        complete_notice(b, app, done)
        _decision(b, app, start=day)


def _transferred_appeal(b: CaseBuilder, app: Application, day: date) -> None:
    # 41(k)(4): a denial before the transfer, appealed before or after it; decided by the later date + 30.
    acknowledge(b, app, complete=False)
    done = documents(b, app, b.days(app.received, 10, 20))
    decision = decide(b, app, b.workday(day, -40, -6), denial=True) if done else None
    if decision is not None:
        appealed = b.days(decision.on, 3, 13)
        if b.add("appeal_received", appealed, app.data()) is not None:
            decide_appeal(b, app, start=max(day, appealed))

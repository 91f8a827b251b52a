"""Synthetic evaluations, offers, denials, borrower answers, appeals and option performance (1024.41(c)-(h))."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from compliance.portfolio_case import CaseBuilder
from compliance.portfolio_intake import Application

DENIAL_REASONS = (
    "net present value of a modification is negative under the investor's model",
    "debt-to-income ratio above the investor's maximum after modification",
    "income insufficient for an affordable modified payment",
    "a modification was completed within the investor's look-back period",
)
OFFERS = (("trial_modification",), ("repayment_plan",), ("forbearance",), ("payment_deferral",))
FALLBACKS = ("short_sale", "deed_in_lieu")


@dataclass(frozen=True)
class Decision:
    """A recorded (c)(1)(ii) notice: when, what was offered, and whether a modification was denied."""

    on: date
    offered: tuple[str, ...]
    modification_denied: bool


def evaluate(
    b: CaseBuilder, app: Application, *, start: date | None = None, third_party: bool = False
) -> Decision | None:
    """41(c)(1): the evaluation notice within 30 days of completion (or of a transfer, 41(k)(3)), or late, or never."""
    start = start or app.complete_on
    if start is None:
        return None
    if third_party:
        # 41(c)(4)(ii)(B): only third-party documents are missing; a delay notice within the 30 days.
        b.add("third_party_delay_notice_sent", b.workday(start, 18, 29), app.data())
        day = b.workday(start, 38, 55)
    else:
        slip = b.slip()
        if slip == "missing":
            return None
        day = b.workday(start, 8, 29) if slip == "on_time" else b.workday(start, 31, 45)
    return decide(b, app, day, denial=b.rng.random() < 0.45)


def decide(b: CaseBuilder, app: Application, day: date, *, denial: bool) -> Decision | None:
    """evaluation_decided on `day`: an offer, or a modification denial (sometimes with a short sale offered)."""
    decision = _denial(b, day) if denial else _offer(b, day)
    return decision if b.add("evaluation_decided", day, app.data(**_payload(b, decision))) is not None else None


def _offer(b: CaseBuilder, day: date) -> Decision:
    return Decision(day, b.rng.choice(OFFERS), modification_denied=False)


def _denial(b: CaseBuilder, day: date) -> Decision:
    fallback = (b.rng.choice(FALLBACKS),) if b.rng.random() < 0.35 else ()
    return Decision(day, fallback, modification_denied=True)


def _payload(b: CaseBuilder, decision: Decision) -> dict[str, object]:
    if not decision.modification_denied:
        # Now and then a servicer deadline shorter than the 41(e)(1) floor (flagged by the engine).
        days = 5 if b.rng.random() < 0.04 else 14
        deadline = decision.on + timedelta(days=days)
        offered = list(decision.offered)
        return {"outcome": "offer", "options_offered": offered, "acceptance_deadline": deadline.isoformat()}
    return {
        "outcome": "offer" if decision.offered else "denial",
        "options_offered": list(decision.offered),
        "options_denied": ["loan_modification", "trial_modification"],
        "denial_reasons": b.rng.sample(DENIAL_REASONS, b.rng.randint(1, 2)),
        "loan_modification_denied": True,
    }


def answer(b: CaseBuilder, app: Application, decision: Decision, *, after: date | None = None) -> None:
    """The borrower accepts (and performs or fails), rejects, or lets the acceptance period lapse."""
    if not decision.offered:
        return
    start, option, draw = after or decision.on, decision.offered[0], b.rng.random()
    if draw < 0.65:
        accepted = b.days(start, 2, 12)
        if b.add("offer_accepted", accepted, app.data(option=option)) is not None:
            perform(b, app, option, b.days(accepted, 2, 10))
    elif draw < 0.8:
        b.add("offer_rejected", b.days(start, 2, 10), app.data(option=option))


def perform(b: CaseBuilder, app: Application, option: str, started: date) -> None:
    """option_started, then completed or failed some months later; a completed trial becomes a modification."""
    if b.add("option_started", started, app.data(option=option)) is None:
        return
    if b.rng.random() < 0.25:
        b.add("option_failed", b.days(started, 35, 80), app.data(option=option))
        return
    done = b.days(started, 85, 100)
    if b.add("option_completed", done, app.data(option=option)) is not None and option == "trial_modification":
        b.add("option_started", done, app.data(option="loan_modification"))
        if b.rng.random() < 0.5:
            b.add("case_closed", b.workday(done, 20, 40), {"reason": "modified"})


def appeal(b: CaseBuilder, app: Application, decision: Decision, *, on: date | None = None) -> date | None:
    """41(h): the borrower appeals a modification denial within 14 days; decided within 30 (or not)."""
    received = on or b.days(decision.on, 3, 13)
    if b.add("appeal_received", received, app.data()) is None:
        return None
    decide_appeal(b, app, start=received)
    return received


def decide_appeal(b: CaseBuilder, app: Application, *, start: date) -> None:
    """41(h)(4) / (k)(4): the appeal decision 30 days from `start`; reversed appeals come with an offer."""
    slip = b.slip()
    if slip == "missing":
        return
    day = b.workday(start, 10, 29) if slip == "on_time" else b.workday(start, 31, 40)
    reversed_ = b.rng.random() < 0.3
    if b.add("appeal_decided", day, app.data(outcome="reversed" if reversed_ else "upheld")) is None:
        return
    if reversed_:
        answer(b, app, Decision(day, ("trial_modification",), modification_denied=False), after=day)

"""Deterministic synthetic case files (CONTRACT §5) for the clock benchmark: ~20 events, mixed scenarios."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

FIRST_START = date(2023, 1, 1)
ZONES = ("America/New_York", "America/Chicago", "America/Denver", "America/Los_Angeles", "America/Phoenix")
STATES = ("NY", "IL", "CO", "CA", "AZ")
CATEGORIES_NOE = ("payoff", "foreclosure", "other", "other")
CATEGORIES_RFI = ("owner_identity", "other", "other")

Event = dict[str, Any]


class Story:
    """The events of one case being written, each stamped with its legal date for ordering."""

    def __init__(self, rng: random.Random, start: date, zone: str) -> None:
        self.rng, self.start, self.zone = rng, start, zone
        self.events: list[tuple[date, int, Event]] = []

    def add(self, kind: str, day: date, *, at: datetime | None = None, **data: Any) -> None:
        """Append one event; timestamps only where the contract needs them (contacts)."""
        raw: Event = {"type": kind, "occurred_at": (at or day).isoformat(), "data": dict(data)}
        self.events.append((day, len(self.events), raw))

    def call(
        self, day: date, *, outcome: str = "no_answer", direction: str = "outbound", hour: int | None = None
    ) -> None:
        """A phone contact at a random (or given) borrower-local hour."""
        local = datetime(day.year, day.month, day.day, hour if hour is not None else self.rng.randint(7, 21),
                         self.rng.choice((0, 15, 30, 45)), tzinfo=ZoneInfo(self.zone))
        self.add("contact_logged", day, at=local, channel="phone", direction=direction, outcome=outcome,
                 party="borrower", staff_id=f"S-{self.rng.randint(1000, 1099)}", borrower_timezone=self.zone)


def delinquency(s: Story) -> None:
    """Missed installments from the start, outreach, a notice, personnel, sometimes a cure and a re-default."""
    months = s.rng.randint(2, 6)
    dues = [_month(s.start, i) for i in range(months)]
    for due in dues:
        s.add("payment_missed", due, due_date=due.isoformat())
    for offset in sorted(s.rng.sample(range(3, 40), 3)):
        s.call(dues[0] + timedelta(days=offset), outcome=s.rng.choice(("no_answer", "left_message", "live_contact")))
    s.add("personnel_assigned", dues[0] + timedelta(days=s.rng.randint(10, 50)), staff_id="S-2001")
    s.add("early_intervention_notice_sent", dues[0] + timedelta(days=s.rng.randint(25, 55)))
    if s.rng.random() < 0.3:
        cure = dues[-1] + timedelta(days=s.rng.randint(5, 20))
        for due in dues:
            s.add("installment_paid", cure, due_date=due.isoformat())


def application(s: Story) -> None:
    """An application through acknowledgment, completion, evaluation and (sometimes) appeal."""
    received = s.start + timedelta(days=s.rng.randint(20, 90))
    app: dict[str, Any] = {"application_id": "A1"}
    day = received
    s.add("application_received", day, **app)
    day += timedelta(days=s.rng.randint(1, 7))
    s.add("application_acknowledged", day, complete=False, missing_items=["bank statements"],
          return_by=(day + timedelta(days=30)).isoformat(), **app)
    day += timedelta(days=s.rng.randint(5, 25))
    s.add("application_documents_received", day, items=["bank statements"], **app)
    s.add("application_completed", day, facially=False, **app)
    s.add("complete_application_notice_sent", day + timedelta(days=s.rng.randint(1, 8)), **app)
    day += timedelta(days=s.rng.randint(10, 35))
    denial = s.rng.random() < 0.5
    s.add("evaluation_decided", day, outcome="denial" if denial else "offer",
          options_offered=[] if denial else ["repayment_plan"], options_denied=["loan_modification"],
          loan_modification_denied=True, **app)
    if s.rng.random() < 0.5:
        s.add("appeal_received", day + timedelta(days=s.rng.randint(3, 14)), **app)
        s.add("appeal_decided", day + timedelta(days=s.rng.randint(20, 40)), outcome="upheld", **app)


def foreclosure(s: Story) -> None:
    """First filing after 120 days, a sale date, sometimes moved or cancelled."""
    filed = s.start + timedelta(days=s.rng.randint(121, 160))
    s.add("first_notice_or_filing_made", filed)
    s.add("foreclosure_sale_scheduled", filed + timedelta(days=10),
          sale_date=(filed + timedelta(days=s.rng.randint(60, 150))).isoformat())
    if s.rng.random() < 0.4:
        s.add("foreclosure_sale_scheduled", filed + timedelta(days=40),
              sale_date=(filed + timedelta(days=s.rng.randint(120, 200))).isoformat())
    elif s.rng.random() < 0.3:
        s.add("foreclosure_sale_cancelled", filed + timedelta(days=45))


def requests(s: Story) -> None:
    """A notice of error and a request for information, acknowledged, sometimes extended, answered."""
    day = s.start + timedelta(days=s.rng.randint(5, 120))
    s.add("error_notice_received", day, request_id="E1", category=s.rng.choice(CATEGORIES_NOE))
    s.add("error_notice_acknowledged", day + timedelta(days=s.rng.randint(1, 8)), request_id="E1")
    if s.rng.random() < 0.3:
        s.add("error_response_extended", day + timedelta(days=s.rng.randint(20, 45)), request_id="E1")
    s.add("error_notice_resolved", day + timedelta(days=s.rng.randint(10, 60)), request_id="E1")
    category = s.rng.choice(CATEGORIES_RFI)
    s.add("information_request_received", day + timedelta(days=3), request_id="R1", category=category)
    s.add("information_request_answered", day + timedelta(days=s.rng.randint(5, 40)), request_id="R1")


def call_burst(s: Story) -> None:
    """A week of dialling: 6 to 10 calls, a conversation, and now and then an early or late call."""
    day = s.start + timedelta(days=s.rng.randint(10, 60))
    s.call(day, outcome="live_contact", direction="inbound", hour=12)
    for _ in range(s.rng.randint(6, 10)):
        s.call(day + timedelta(days=s.rng.randint(0, 7)))


def status_change(s: Story) -> None:
    """Bankruptcy, a cease-communication notice or a servicing transfer."""
    day = s.start + timedelta(days=s.rng.randint(30, 100))
    pick = s.rng.random()
    if pick < 0.4:
        s.add("bankruptcy_filed", day, chapter=s.rng.choice((7, 13)), petition_date=day.isoformat())
        how = s.rng.choice(("dismissed", "discharged"))
        s.add("bankruptcy_ended", day + timedelta(days=s.rng.randint(60, 200)), how=how)
    elif pick < 0.7:
        s.add("cease_communication_received", day)
    else:
        s.add("servicing_transferred", day, direction="in", transfer_date=day.isoformat())


SCENARIOS: tuple[Callable[[Story], None], ...] = (application, foreclosure, requests, call_burst, status_change)


def case_file(seed: int, index: int) -> dict[str, Any]:
    """Case `index` of the portfolio of `seed`: the same arguments always give the same file."""
    rng = random.Random(f"{seed}:{index}")
    where = rng.randrange(len(ZONES))
    story = Story(rng, FIRST_START + timedelta(days=rng.randrange(900)), ZONES[where])
    delinquency(story)
    for scenario in rng.sample(SCENARIOS, 2):
        scenario(story)
    events = [raw for _, _, raw in sorted(story.events, key=lambda e: (e[0], e[1]))]
    last = max(day for day, _, _ in story.events)
    return {
        "case": {"id": f"C-{index:06d}", "property_state": STATES[where], "timezone": "America/New_York",
                 "fdcpa_debt_collector": rng.random() < 0.2},
        "calendar": "us-6103a",
        "as_of": (last + timedelta(days=rng.randint(0, 60))).isoformat(),
        "events": events,
    }


def _month(start: date, months: int) -> date:
    month = start.month - 1 + months
    return date(start.year + month // 12, month % 12 + 1, 1)

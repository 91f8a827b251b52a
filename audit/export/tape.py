"""The loan-level data tape: one row per case with the milestone dates examiners sample and breaches per rule.

Milestones are read from the case's effective history (corrections applied, voided entries left out) and are
the FIRST occurrence of each, except the scheduled sale date, which is the latest scheduled. Breach counts are
the engine's verdicts as of the tape's date (clocks with status "breached"), per rule id of CONTRACT §3.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import Any

from audit.export.case_material import CaseMaterial
from compliance.envelope import legal_date
from compliance.rulebook import RULES

MILESTONES = (  # column, event type, the data field holding the date (None: the event's legal date)
    ("oldest_missed_due_date", "payment_missed", "due_date"),
    ("application_received", "application_received", None),
    ("application_acknowledged", "application_acknowledged", None),
    ("application_complete", "application_completed", None),
    ("evaluation_decided", "evaluation_decided", None),
    ("appeal_received", "appeal_received", None),
    ("appeal_decided", "appeal_decided", None),
    ("first_notice_or_filing", "first_notice_or_filing_made", None),
    ("foreclosure_motion_filed", "foreclosure_motion_filed", None),
    ("foreclosure_sale_held", "foreclosure_sale_held", None),
    ("servicing_transfer_date", "servicing_transferred", "transfer_date"),
    ("bankruptcy_petition_date", "bankruptcy_filed", "petition_date"),
)
PROFILE = ("loan_id", "investor", "property_state", "lien_position", "principal_residence", "small_servicer",
           "fdcpa_debt_collector", "timezone")
TAPE_COLUMNS = (
    "case_id", *PROFILE, "calendar", "as_of", "opened_on", "status", "closed_on", "closed_reason", "applications",
    *(name for name, _, _ in MILESTONES), "evaluation_outcome", "sale_date", "clocks", "clocks_open",
    "clocks_breached", "breaches_recorded", *(f"breached_{rule.id}" for rule in RULES),
)


def _data(event: Any) -> Any:
    return event.data


def _first_date(events: Iterable[Any], field: str | None) -> str | None:
    days = sorted(str(getattr(e.data, field)) if field else e.on.isoformat() for e in events)
    return days[0] if days else None


def tape_row(material: CaseMaterial) -> dict[str, Any]:
    """The data-tape row of one case (no borrower reference: the loan number identifies it)."""
    history = material.history
    closed = history.of_type("case_closed")
    decisions = sorted(history.of_type("evaluation_decided"), key=lambda e: (e.on, e.version))
    sales = sorted(history.of_type("foreclosure_sale_scheduled"), key=lambda e: (e.on, e.version))
    statuses = Counter(c.status for c in material.clocks)
    breached = Counter(c.rule for c in material.clocks if c.status == "breached")
    return {
        "case_id": material.case_id, **{name: getattr(material.profile, name) for name in PROFILE},
        "calendar": material.calendar, "as_of": material.as_of.isoformat(),
        "opened_on": legal_date(material.stored[0].occurred, material.zone).isoformat(),
        "status": "closed" if closed else "open",
        "closed_on": closed[-1].on.isoformat() if closed else None,
        "closed_reason": getattr(closed[-1].data, "reason", None) if closed else None,
        "applications": len({getattr(e.data, "application_id", None) for e in history.of_type("application_received")}),
        **{name: _first_date(history.of_type(kind), field) for name, kind, field in MILESTONES},
        "evaluation_outcome": getattr(decisions[0].data, "outcome", None) if decisions else None,
        "sale_date": str(_data(sales[-1]).sale_date) if sales else None,
        "clocks": len(material.clocks), "clocks_open": statuses["open"], "clocks_breached": statuses["breached"],
        "breaches_recorded": len(material.breaches), **{f"breached_{rule.id}": breached[rule.id] for rule in RULES},
    }

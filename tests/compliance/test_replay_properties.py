"""Property: the clocks are a pure function of the versioned events — replaying them shuffled, or split at any
point and re-joined in either order, gives byte-identical JSON (CONTRACT §6 determinism)."""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from compliance.casefile import parse_casefile
from compliance.engine import compute_clocks, timeline_json
from tests.compliance.factories import casefile, event
from timelines.calendar import calendar_for

START = date(2026, 1, 1)
APPS = ("A1", "A2")
OPTIONS = ("repayment_plan", "forbearance", "loan_modification")


def _data(kind: str, draw: Any, day: date) -> dict[str, Any]:
    app = {"application_id": draw(st.sampled_from(APPS))}
    later = (day + timedelta(days=draw(st.integers(20, 150)))).isoformat()
    return {
        "payment_missed": {"due_date": day.isoformat()},
        "installment_paid": {"due_date": (START + timedelta(days=31 * draw(st.integers(0, 5)))).isoformat()},
        "foreclosure_sale_scheduled": {"sale_date": later},
        "foreclosure_sale_cancelled": {},
        "first_notice_or_filing_made": {},
        "foreclosure_motion_filed": {},
        "servicing_transferred": {"direction": draw(st.sampled_from(("in", "out"))), "transfer_date": day.isoformat()},
        "application_received": app,
        "application_acknowledged": {**app, "complete": draw(st.booleans()), "return_by": later},
        "application_completed": {**app, "facially": draw(st.booleans())},
        "additional_information_requested": app,
        "complete_application_notice_sent": app,
        "third_party_delay_notice_sent": app,
        "short_term_option_offered": {**app, "option": "forbearance"},
        "evaluation_decided": {**app, "outcome": draw(st.sampled_from(("offer", "denial"))),
                               "options_offered": ["repayment_plan"], "loan_modification_denied": draw(st.booleans())},
        "offer_accepted": {"option": draw(st.sampled_from(OPTIONS))},
        "offer_rejected": {"option": draw(st.sampled_from(OPTIONS))},
        "appeal_received": app,
        "appeal_decided": {**app, "outcome": draw(st.sampled_from(("upheld", "reversed")))},
        "option_failed": {"option": "repayment_plan"},
    }[kind]


KINDS = ("payment_missed", "installment_paid", "foreclosure_sale_scheduled", "foreclosure_sale_cancelled",
         "first_notice_or_filing_made", "foreclosure_motion_filed", "servicing_transferred", "application_received",
         "application_acknowledged", "application_completed", "additional_information_requested",
         "complete_application_notice_sent", "third_party_delay_notice_sent", "short_term_option_offered",
         "evaluation_decided", "offer_accepted", "offer_rejected", "appeal_received", "appeal_decided", "option_failed")


@st.composite
def case_files(draw: Any) -> dict[str, Any]:
    """A random loss mitigation history: out-of-order (late) entries, corrections and voids included."""
    events: list[dict[str, Any]] = []
    for index in range(draw(st.integers(1, 18))):
        day = START + timedelta(days=draw(st.integers(0, 200)))
        kind = draw(st.sampled_from(KINDS))
        events.append(event(kind, day.isoformat(), event_id=f"e{index}", **_data(kind, draw, day)))
    if draw(st.booleans()):
        target = draw(st.sampled_from(events))["id"]
        moved = (START + timedelta(days=draw(st.integers(0, 200)))).isoformat()
        events.append(event("entry_corrected", "2026-07-20", corrects=target, reason="typo",
                            replacement={"occurred_at": moved}))
    if draw(st.booleans()):
        target = draw(st.sampled_from([e["id"] for e in events if "id" in e]))
        events.append(event("entry_voided", "2026-07-21", voids=target, reason="error"))
    as_of = (START + timedelta(days=draw(st.integers(0, 260)))).isoformat()
    return casefile(*events, as_of=as_of)


def _answer(case_id: str, profile: Any, events: Any, as_of: date) -> str:
    clocks = compute_clocks(case_id, profile, events, calendar_for("us-6103a"), as_of)
    return json.dumps(timeline_json(case_id, as_of, "us-6103a", clocks), sort_keys=True)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(raw=case_files(), data=st.data())
def test_replay_is_byte_identical_whatever_the_arrival_order(raw: dict[str, Any], data: Any) -> None:
    """Shuffled (versions kept) or split-and-rejoined input gives the same JSON as the log in version order."""
    parsed = parse_casefile(raw, default_as_of=date(2026, 12, 31))
    events = list(parsed.events)
    baseline = _answer(parsed.case_id, parsed.profile, events, parsed.as_of)
    shuffled = data.draw(st.permutations(events))
    split = data.draw(st.integers(0, len(events)))
    assert _answer(parsed.case_id, parsed.profile, shuffled, parsed.as_of) == baseline
    assert _answer(parsed.case_id, parsed.profile, events[split:] + events[:split], parsed.as_of) == baseline
    assert _answer(parsed.case_id, parsed.profile, events[:split] + events[split:], parsed.as_of) == baseline

"""Random case histories (hypothesis) and plain event builders for the projection and monitoring tests."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from hypothesis import strategies as st

FIRST_DAY = date(2026, 1, 1)
LAST_DAY = date(2026, 7, 10)  # tests.conftest.NOW's date: no event may be later
OPENED: dict[str, Any] = {"loan_id": "L-1", "borrower_ref": "B-1", "property_state": "NY",
                          "timezone": "America/New_York"}
RULES = ("lm_ack_notice", "noe_ack", "rfi_ack", "ei_live_contact", "lm_evaluate")


def opened(on: str = "2026-01-01", **data: Any) -> dict[str, Any]:
    """A case_opened event (first of every case)."""
    return {"type": "case_opened", "occurred_at": on, "data": {**OPENED, **data}}


def ev(kind: str, on: str, *, event_id: str | None = None, **data: Any) -> dict[str, Any]:
    """One event for the store; keyword arguments are its data."""
    out: dict[str, Any] = {"type": kind, "occurred_at": on, "data": data}
    if event_id is not None:
        out["id"] = event_id
    return out


def _day() -> st.SearchStrategy[str]:
    return st.dates(min_value=FIRST_DAY, max_value=LAST_DAY).map(date.isoformat)


def _payloads(index: int) -> st.SearchStrategy[tuple[str, dict[str, Any]]]:
    """(type, data) of one event at position `index` of a history (earlier events are e1 .. e{index-1})."""
    app = st.sampled_from(["A1", "A2"])
    req = st.sampled_from(["R1", "R2"])
    earlier = st.integers(min_value=1, max_value=max(index - 1, 1)).map(lambda k: f"e{k}")
    choices = [
        st.tuples(st.just("payment_missed"), st.fixed_dictionaries({"due_date": _day()})),
        st.tuples(st.just("installment_paid"), st.fixed_dictionaries({"due_date": _day()})),
        st.tuples(st.just("application_received"), st.fixed_dictionaries({"application_id": app})),
        st.tuples(st.just("application_acknowledged"),
                  st.fixed_dictionaries({"application_id": app, "complete": st.booleans()})),
        st.tuples(st.just("application_completed"), st.fixed_dictionaries({"application_id": app})),
        st.tuples(st.just("evaluation_decided"), st.fixed_dictionaries(
            {"application_id": app, "outcome": st.sampled_from(["offer", "denial"]),
             "loan_modification_denied": st.booleans()})),
        st.tuples(st.just("appeal_received"), st.fixed_dictionaries({"application_id": app})),
        st.tuples(st.just("case_assigned"), st.fixed_dictionaries(
            {"team": st.sampled_from(["T1", "T2"]), "staff_id": st.just("s1"),
             "manager_id": st.sampled_from(["m1", "m2"])})),
        st.tuples(st.just("foreclosure_sale_scheduled"), st.fixed_dictionaries(
            {"sale_date": st.dates(min_value=LAST_DAY, max_value=LAST_DAY + timedelta(days=200)).map(str)})),
        st.tuples(st.just("error_notice_received"), st.fixed_dictionaries(
            {"request_id": req, "category": st.sampled_from(["payoff", "other"])})),
        st.tuples(st.just("error_notice_acknowledged"), st.fixed_dictionaries({"request_id": req})),
        st.tuples(st.just("information_request_received"), st.fixed_dictionaries(
            {"request_id": req, "category": st.just("other")})),
        st.tuples(st.just("information_request_answered"), st.fixed_dictionaries({"request_id": req})),
        st.tuples(st.just("case_closed"), st.just({"reason": "cured"})),
        st.tuples(st.just("entry_voided"), st.fixed_dictionaries({"voids": earlier, "reason": st.just("typo")})),
        st.tuples(st.just("entry_corrected"), st.fixed_dictionaries(
            {"corrects": earlier, "reason": st.just("date"),
             "replacement": st.fixed_dictionaries({"occurred_at": _day()})})),
        st.tuples(st.just("deadline_breached"), st.fixed_dictionaries(
            {"clock_id": st.builds(lambda r, k: f"{r}:e{k}", st.sampled_from(RULES), st.integers(1, max(index, 1))),
             "rule": st.sampled_from(RULES), "due": _day()})),
        st.tuples(st.just("alert_acknowledged"), st.fixed_dictionaries({"alert_id": st.uuids().map(str)})),
    ]
    return st.one_of(*choices)


@st.composite
def histories(draw: st.DrawFn, *, max_events: int = 12) -> list[dict[str, Any]]:
    """A case's events after case_opened (client ids e1, e2 ...), dated at random: late entries included."""
    count = draw(st.integers(min_value=0, max_value=max_events))
    out = []
    for index in range(1, count + 1):
        kind, data = draw(_payloads(index))
        if kind in ("entry_voided", "entry_corrected") and index == 1:
            kind, data = "note_added", {"text": "first"}
        day = draw(_day())
        if "due_date" in data:  # an installment is missed (or paid) on or after its due date
            day = max(day, data["due_date"])
        out.append(ev(kind, day, event_id=f"e{index}", **data))
    return out


def actor_role(event: dict[str, Any]) -> str:
    """Who may record the event: deadline_breached only the system actor, alert_acknowledged a manager."""
    return {"deadline_breached": "system", "alert_acknowledged": "manager"}.get(event["type"], "specialist")


def namespaced(history: list[dict[str, Any]], prefix: str) -> list[dict[str, Any]]:
    """The history with every client id (and every reference to one) prefixed: ids are unique log-wide."""
    out = []
    for event in history:
        data = dict(event["data"])
        for key in ("voids", "corrects"):
            if key in data:
                data[key] = prefix + data[key]
        if "clock_id" in data:
            rule, _, target = data["clock_id"].partition(":")
            data["clock_id"] = f"{rule}:{prefix}{target}"
        renamed = {**event, "data": data}
        if "id" in event:
            renamed["id"] = prefix + event["id"]
        out.append(renamed)
    return out

"""The memoised indexes and folds behind the rule engine answer exactly as the plain scans they replaced."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from compliance.delinquency import oldest_unpaid, unpaid_installments
from compliance.envelope import CaseEvent
from compliance.events import DATA_MODELS
from compliance.history import History, effective_history
from compliance.payload import field_of
from compliance.sale import sale_date_on

FIRST = date(2026, 1, 1)
ZONE = ZoneInfo("America/New_York")
TYPES = ("payment_missed", "installment_paid", "foreclosure_sale_scheduled", "foreclosure_sale_cancelled",
         "foreclosure_sale_held", "application_received", "contact_logged", "cease_communication_received")
SALE_TYPES = ("foreclosure_sale_scheduled", "foreclosure_sale_cancelled", "foreclosure_sale_held")


def _data(kind: str, day: date) -> dict[str, Any]:
    if kind in ("payment_missed", "installment_paid"):
        return {"due_date": day.isoformat()}
    if kind == "foreclosure_sale_scheduled":
        return {"sale_date": (day + timedelta(days=60)).isoformat()}
    if kind == "application_received":
        return {"application_id": "A1"}
    if kind == "contact_logged":
        return {"channel": "phone", "direction": "outbound", "outcome": "no_answer", "party": "borrower",
                "staff_id": "S-1"}
    return {}


@st.composite
def histories(draw: st.DrawFn) -> History:
    """Events in log order whose legal dates are not in log order (late entries), several of a type per day."""
    count = draw(st.integers(min_value=0, max_value=14))
    events = []
    for version in range(1, count + 1):
        kind = draw(st.sampled_from(TYPES))
        on = FIRST + timedelta(days=draw(st.integers(min_value=0, max_value=40)))
        due = FIRST + timedelta(days=draw(st.integers(min_value=0, max_value=40)))
        data = DATA_MODELS[kind].model_validate(_data(kind, due))
        events.append(CaseEvent(f"e{version}", version, kind, on, None, data))
    return History(tuple(events))


def _chronological(history: History) -> tuple[CaseEvent, ...]:
    return tuple(sorted(history.events, key=lambda e: (e.on, e.version)))


@settings(max_examples=200, deadline=None)
@given(history=histories(), types=st.lists(st.sampled_from(TYPES), min_size=1, max_size=3))
def test_type_indexes_are_the_filters_they_replace(history: History, types: list[str]) -> None:
    assert history.chronological == _chronological(history)
    assert history.happened(*types) == tuple(e for e in _chronological(history) if e.type in types)
    assert history.of_type(*types) == [e for e in history.events if e.type in types]
    assert history.installments == tuple(
        e for e in _chronological(history) if e.type in ("payment_missed", "installment_paid"))


@settings(max_examples=200, deadline=None)
@given(history=histories())
def test_oldest_unpaid_by_bisection_is_the_ledger_scan(history: History) -> None:
    """1024.31 days delinquent: the memoised change points give the scan's answer on every day."""
    for offset in range(-1, 43):
        day = FIRST + timedelta(days=offset)
        unpaid = unpaid_installments(history, day)
        assert oldest_unpaid(history, day) == (unpaid[0] if unpaid else None), day


def _sale_scan(history: History, day: date) -> date | None:
    sale = None
    for event in _chronological(history):
        if event.on > day:
            continue
        if event.type == "foreclosure_sale_scheduled":
            sale = event.data.sale_date  # type: ignore[attr-defined]
        elif event.type in ("foreclosure_sale_cancelled", "foreclosure_sale_held"):
            sale = None
    return sale


@settings(max_examples=200, deadline=None)
@given(history=histories())
def test_sale_date_by_bisection_is_the_legal_date_scan(history: History) -> None:
    for offset in range(-1, 43):
        day = FIRST + timedelta(days=offset)
        assert sale_date_on(history, day) == _sale_scan(history, day), day


@settings(max_examples=100, deadline=None)
@given(history=histories())
def test_effective_history_without_corrections_keeps_every_event_in_log_order(history: History) -> None:
    shuffled = tuple(reversed(history.events))
    folded = effective_history(shuffled, ZONE)
    assert folded.events == history.events
    assert (folded.corrections, folded.voidings) == ((), ())
    assert folded.of_type(*TYPES) == list(history.events)


def test_effective_history_with_a_repeated_id_keeps_the_later_event() -> None:
    """Two events sharing an id are not the fast path's business: the fold keeps the later one."""
    data = DATA_MODELS["payment_missed"].model_validate({"due_date": "2026-01-01"})
    first = CaseEvent("e1", 1, "payment_missed", FIRST, None, data)
    again = CaseEvent("e1", 2, "payment_missed", FIRST + timedelta(days=1), None, data)
    assert effective_history([first, again], ZONE).events == (again,)


def test_field_of_answers_as_getattr_for_every_payload_model() -> None:
    samples = {
        "payment_missed": {"due_date": "2026-01-01"},
        "servicing_transferred": {"direction": "in", "transfer_date": "2026-01-01"},
        "application_acknowledged": {"application_id": "A1", "complete": False},
        "error_notice_received": {"request_id": "R1", "category": "other"},
        "cease_communication_received": {},
    }
    names = ("due_date", "transfer_date", "application_id", "request_id", "complete", "direction",
             "acceptance_deadline", "options_denied", "model_config", "model_dump", "nothing_like_this")
    for kind, raw in samples.items():
        data = DATA_MODELS[kind].model_validate(raw)
        for name in names:
            assert field_of(data, name, default="absent") == getattr(data, name, "absent"), (kind, name)

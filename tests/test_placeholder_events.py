"""Smoke test of the event vocabulary (replaced by tests/compliance as they land)."""

from compliance.events import EVENT_TYPES


def test_contract_event_types_present() -> None:
    assert {"case_opened", "application_received", "entry_voided", "deadline_breached"} <= EVENT_TYPES

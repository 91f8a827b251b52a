"""Internals the speed-up introduced: shared readings of an installment, the contact order, small memos."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from compliance.arrears import Arrears
from compliance.casefile import parse_casefile
from compliance.clock import text
from compliance.contact_checks import RULES, judges
from compliance.contact_ledger import contact_ledger
from compliance.early_intervention import clocks as ei_clocks
from compliance.ei_scope import EarlyIntervention, cured, cured_reason, installment
from compliance.engine import evaluate
from compliance.evaluation import Evaluation
from compliance.history import History, computed_once
from compliance.written_notice import written_notice_clocks
from tests.compliance.factories import casefile, event
from timelines.calendar import calendar_for


def _evaluation(*events: dict[str, Any], as_of: str) -> Evaluation:
    parsed = parse_casefile(casefile(*events, as_of=as_of), default_as_of=date.fromisoformat(as_of))
    return evaluate(parsed.case_id, parsed.profile, parsed.events, calendar_for(parsed.calendar), parsed.as_of)


MISSED_TWICE_CURED_ONCE = (
    event("payment_missed", "2026-01-01", due_date="2026-01-01"),
    event("installment_paid", "2026-01-20", due_date="2026-01-01"),
    event("payment_missed", "2026-03-01", due_date="2026-03-01"),
    event("payment_missed", "2026-04-01", due_date="2026-04-01"),
    event("installment_paid", "2026-04-25", due_date="2026-03-01"),
    event("early_intervention_notice_sent", "2026-03-20"),
)
# Recorded missed ahead of its due date and paid before it: never delinquent.
PAID_EARLY = (event("payment_missed", "2026-05-28", due_date="2026-06-01"),
              event("installment_paid", "2026-05-30", due_date="2026-06-01"))


@pytest.mark.parametrize("days", [36, 45, 200])
def test_the_shared_installment_reading_gives_cured_reasons_text(days: int) -> None:
    """cured() on a shared reading says what cured_reason says, for paid, cured and still delinquent ones."""
    seen = set()
    for history in (MISSED_TWICE_CURED_ONCE, PAID_EARLY):
        ctx = EarlyIntervention.of(_evaluation(*history, as_of="2026-09-01"))
        for missed in ctx.arrears.missed:
            shared = installment(ctx, missed)
            due = date.fromordinal(shared.due_date.toordinal() + days)
            expected = cured_reason(ctx.arrears, shared.due_date, due, day=days, cite="c")
            assert text(cured(shared, due, day=days, cite="c", arrears=ctx.arrears)) == expected
            seen.add("no delinquency" if expected and "by its due date" in expected else expected is None)
    assert seen >= {"no delinquency", False}


def test_written_notice_clocks_are_the_early_intervention_notice_clocks() -> None:
    ev = _evaluation(*MISSED_TWICE_CURED_ONCE, as_of="2026-09-01")
    notices = [c for c in ei_clocks(ev) if c.rule == "ei_written_notice"]
    assert written_notice_clocks(EarlyIntervention.of(ev)) == notices and notices


def test_stretches_and_episodes_cover_their_days() -> None:
    ev = _evaluation(*MISSED_TWICE_CURED_ONCE, as_of="2026-09-01")
    arrears = Arrears.of(ev.history)
    assert arrears is Arrears.of(ev.history)
    first = arrears.stretches[0]
    assert first.covers(date(2026, 1, 1)) and not first.covers(date(2026, 1, 20))
    assert arrears.episodes[-1].covers(date(2026, 9, 1)) and not arrears.episodes[0].covers(date(2025, 12, 31))


def test_untimed_contacts_sort_at_the_start_of_their_day() -> None:
    """A correction to a plain date leaves a contact without a time: it sorts at midnight in the case zone."""
    call = {"channel": "phone", "direction": "outbound", "outcome": "no_answer", "party": "borrower",
            "staff_id": "S-1"}
    ev = _evaluation(
        event("contact_logged", "2026-05-04T09:00:00-04:00", event_id="TIMED", **call),
        event("contact_logged", "2026-05-04T10:00:00-04:00", event_id="LATER", **call),
        event("entry_corrected", "2026-05-05", corrects="LATER", reason="time unknown",
              replacement={"occurred_at": "2026-05-04"}),
        as_of="2026-05-06",
    )
    assert [e.contact.id for e in contact_ledger(ev)] == ["LATER", "TIMED"]
    assert [judges(r, contact_ledger(ev)[0]) for r in RULES] == [True, True, True]


def test_the_day_121_memo_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    from compliance import foreclosure_bars

    monkeypatch.setattr(foreclosure_bars, "DAY_121_MEMO_LIMIT", 1)
    # Start from an empty memo: earlier tests in the same process may have filled the module-level one.
    monkeypatch.setattr(foreclosure_bars, "_DAY_121", {})
    ev = _evaluation(*MISSED_TWICE_CURED_ONCE, as_of="2026-09-01")
    first = [c.to_json() for c in foreclosure_bars.clocks(ev)]
    assert [c.to_json() for c in foreclosure_bars.clocks(ev)] == first and len(foreclosure_bars._DAY_121) == 1


def test_computed_once_is_read_from_the_class_as_itself() -> None:
    descriptor = History.__dict__["chronological"]
    assert isinstance(descriptor, computed_once) and History.chronological is descriptor


def test_until_keeps_the_history_when_nothing_is_later() -> None:
    ev = _evaluation(*MISSED_TWICE_CURED_ONCE, as_of="2026-09-01")
    assert ev.history.until(date(2026, 9, 1)).events is ev.history.events
    assert [e.on for e in ev.history.until(date(2026, 2, 1)).events] == [date(2026, 1, 1), date(2026, 1, 20)]

"""Clock values: a derivation or reason stored as a recipe reads, compares and serialises as the text itself."""

from __future__ import annotations

import copy
import pickle
from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bench.synthetic import case_file
from compliance.casefile import parse_casefile
from compliance.clock import Alternative, Clock, Trigger, expand, then
from compliance.engine import compute_clocks, in_order, sort_key
from timelines.calendar import calendar_for

TRIGGER = Trigger("e1", "application_received", date(2026, 7, 2))


def _clock(**changes: object) -> Clock:
    fields: dict[str, object] = {
        "id": "lm_ack_notice:e1", "rule": "lm_ack_notice", "citation": "12 CFR 1024.41(b)(2)(i)(B)",
        "kind": "deadline", "trigger": TRIGGER, "status": "open", "calendar": "us-6103a", "due": date(2026, 7, 9),
        "derivation": ("day 0 Thu 2026-07-02 (application received)", "day 5 Thu 2026-07-09"),
        "alternatives": (Alternative("us-6103a-observed", date(2026, 7, 10)),),
    }
    return Clock(**{**fields, **changes})  # type: ignore[arg-type]


def test_a_recipe_derivation_reads_as_its_lines() -> None:
    eager = _clock()
    lazy = _clock(derivation=lambda: eager.derivation)
    assert lazy.derivation == eager.derivation and isinstance(lazy.derivation, tuple)
    assert lazy == eager and hash(lazy) == hash(eager)
    assert lazy.to_json() == eager.to_json()
    assert list(lazy.derivation) == lazy.to_json()["derivation"]


def test_a_recipe_reason_reads_as_its_text() -> None:
    eager = _clock(status="not_applicable", reason="small servicer")
    lazy = _clock(status="not_applicable", reason=lambda: "small servicer")
    assert lazy.reason == "small servicer" and lazy == eager
    assert lazy.to_json()["reason"] == "small servicer"
    assert _clock().reason is None and "reason" not in _clock().to_json()


def test_clocks_compare_by_value_only_with_clocks() -> None:
    assert _clock() != _clock(status="met")
    assert _clock() != tuple(_clock()) and tuple(_clock()) != _clock()
    assert TRIGGER != tuple(TRIGGER) and TRIGGER == Trigger(*TRIGGER)
    assert _clock().replace(status="met") == _clock(status="met")
    with pytest.raises(TypeError, match="state"):
        _clock().replace(state="met")


def test_clocks_pickle_and_copy_with_their_recipes_written_out() -> None:
    lazy = _clock(derivation=lambda: ("day 0",), reason=lambda: "why", status="not_applicable")
    for again in (pickle.loads(pickle.dumps(lazy)), copy.copy(lazy), copy.deepcopy(lazy)):
        assert again == lazy and again.derivation == ("day 0",) and again.reason == "why"
    assert repr(lazy).startswith("Clock(id='lm_ack_notice:e1', rule='lm_ack_notice'")
    assert "derivation=('day 0',)" in repr(lazy)


def test_then_joins_lines_and_recipes_in_order() -> None:
    assert then(("a",), ("b",)) == ("a", "b")
    assert then(("a",), ()) == ("a",)
    assert expand(then(lambda: ("a",), ("b",))) == ("a", "b")
    assert expand(then(("a",), lambda: ("b",))) == ("a", "b")
    assert expand(then(lambda: ("a",), lambda: ("b", "c"))) == ("a", "b", "c")


def _portfolio_clocks() -> list[Clock]:
    out: list[Clock] = []
    for index in range(12):
        case = parse_casefile(case_file(20260702, index), default_as_of=date(2026, 1, 1))
        out += compute_clocks(case.case_id, case.profile, case.events, calendar_for(case.calendar), case.as_of)
    return out


CLOCKS = _portfolio_clocks()


@settings(max_examples=100, deadline=None)
@given(order=st.permutations(range(len(CLOCKS))))
def test_in_order_is_sorted_by_sort_key(order: list[int]) -> None:
    shuffled = [CLOCKS[i] for i in order]
    assert in_order(shuffled) == sorted(shuffled, key=sort_key)


def test_in_order_orders_instants_across_utc_offsets() -> None:
    """09:30-05:00 is later than 10:00-04:00; an untimed trigger of the same day comes first."""
    day = date(2026, 3, 9)
    later = datetime(2026, 3, 9, 9, 30, tzinfo=timezone(timedelta(hours=-5)))
    earlier = datetime(2026, 3, 9, 10, 0, tzinfo=timezone(timedelta(hours=-4)))
    clocks = [_clock(id=name, trigger=Trigger(name, "contact_logged", day, at)) for name, at in
              (("late", later), ("early", earlier), ("untimed", None), ("utc", datetime(2026, 3, 9, tzinfo=UTC)))]
    assert [c.id for c in in_order(clocks)] == ["untimed", "utc", "early", "late"]

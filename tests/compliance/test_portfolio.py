"""The demo portfolio generator: deterministic, valid case files, nothing in the future, every rule exercised."""

from __future__ import annotations

import json
import re
from collections import Counter
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from compliance.casefile import parse_casefile
from compliance.clock import Clock
from compliance.engine import compute_clocks
from compliance.envelope import legal_date, parse_occurred_at, validate_event
from compliance.events import EVENT_TYPES, SYSTEM_TYPES
from compliance.portfolio import generate_portfolio
from compliance.portfolio_contacts import NOTES
from compliance.rulebook import RULES
from timelines.calendar import calendar_for

TODAY = date(2026, 7, 10)
SEED = 7
STATUSES = {"open", "met", "breached", "not_applicable", "cancelled"}


@pytest.fixture(scope="module")
def portfolio() -> list[dict[str, Any]]:
    """~200 cases, enough for every rule and every status."""
    return list(generate_portfolio(200, seed=SEED, today=TODAY))


@pytest.fixture(scope="module")
def clocks(portfolio: list[dict[str, Any]]) -> list[Clock]:
    """Every clock of the portfolio as of TODAY, computed by the rule engine."""
    out: list[Clock] = []
    for raw in portfolio:
        case = parse_casefile(raw, default_as_of=TODAY)
        out += compute_clocks(case.case_id, case.profile, case.events, calendar_for(case.calendar), case.as_of)
    return out


def _dump(files: list[dict[str, Any]]) -> str:
    return json.dumps(files, sort_keys=True)


def test_same_seed_and_day_give_identical_output() -> None:
    first = _dump(list(generate_portfolio(40, seed=SEED, today=TODAY)))
    assert first == _dump(list(generate_portfolio(40, seed=SEED, today=TODAY)))


def test_other_seed_or_day_gives_another_portfolio() -> None:
    base = _dump(list(generate_portfolio(20, seed=SEED, today=TODAY)))
    assert base != _dump(list(generate_portfolio(20, seed=SEED + 1, today=TODAY)))
    assert base != _dump(list(generate_portfolio(20, seed=SEED, today=TODAY + timedelta(days=1))))


def test_a_smaller_portfolio_is_a_prefix_of_a_larger_one(portfolio: list[dict[str, Any]]) -> None:
    assert _dump(list(generate_portfolio(25, seed=SEED, today=TODAY))) == _dump(portfolio[:25])


def test_every_case_file_parses(portfolio: list[dict[str, Any]]) -> None:
    ids = [raw["case"]["id"] for raw in portfolio]
    assert len(set(ids)) == len(ids)
    for raw in portfolio:
        parsed = parse_casefile(raw, default_as_of=TODAY)
        assert parsed.as_of == TODAY and len(parsed.events) == len(raw["events"])


def test_every_event_validates_and_none_is_in_the_future(portfolio: list[dict[str, Any]]) -> None:
    # The strictest store: "now" is the first instant of TODAY, with no clock-skew tolerance.
    now = datetime.combine(TODAY, time(0), tzinfo=UTC)
    for raw in portfolio:
        zone = ZoneInfo(raw["case"]["timezone"])
        for index, event in enumerate(raw["events"]):
            validate_event(event, where=f"{raw['case']['id']}[{index}]", now=now, max_skew=timedelta(0), zone=zone)
            assert legal_date(parse_occurred_at(event["occurred_at"]), zone) < TODAY


def test_events_are_in_the_order_they_happened(portfolio: list[dict[str, Any]]) -> None:
    for raw in portfolio:
        zone = ZoneInfo(raw["case"]["timezone"])
        days = [legal_date(parse_occurred_at(e["occurred_at"]), zone) for e in raw["events"]]
        assert days == sorted(days), raw["case"]["id"]


def test_every_rule_of_the_rulebook_is_exercised(clocks: list[Clock]) -> None:
    missing = {r.id for r in RULES} - {c.rule for c in clocks}
    assert not missing, f"rules without a clock in the demo portfolio: {sorted(missing)}"


def test_every_status_occurs(clocks: list[Clock]) -> None:
    assert STATUSES <= {c.status for c in clocks}


def test_breaches_are_a_share_not_the_rule(clocks: list[Clock]) -> None:
    judged = Counter(c.status for c in clocks if c.status in ("met", "breached"))
    share = judged["breached"] / (judged["met"] + judged["breached"])
    assert 0.02 < share < 0.2


def test_the_board_is_alive_some_clocks_fall_due_in_the_coming_week(clocks: list[Clock]) -> None:
    soon = [c for c in clocks if c.status == "open" and c.due and TODAY <= c.due <= TODAY + timedelta(days=7)]
    assert len({c.rule for c in soon}) >= 5


def test_every_client_event_type_occurs(portfolio: list[dict[str, Any]]) -> None:
    seen = {e["type"] for raw in portfolio for e in raw["events"]}
    # case_opened comes from the case object; system facts and alert acknowledgments are not client history.
    assert EVENT_TYPES - seen == {"case_opened", "alert_acknowledged"} | SYSTEM_TYPES


def test_regulation_f_edge_cases_are_present(clocks: list[Clock]) -> None:
    found = {c.rule for c in clocks if c.kind == "check" and c.status == "breached"}
    assert found == {"regf_call_frequency", "regf_call_after_conversation", "contact_inconvenient_time"}


def test_corrections_and_voids_name_earlier_events(portfolio: list[dict[str, Any]]) -> None:
    kinds = Counter()
    for raw in portfolio:
        ids: set[str] = set()
        for event in raw["events"]:
            target = event["data"].get("corrects") or event["data"].get("voids")
            if target:
                assert target in ids
                kinds[event["type"]] += 1
            ids.add(event.get("id", ""))
    assert kinds["entry_corrected"] and kinds["entry_voided"]


def test_identifiers_and_notes_are_synthetic(portfolio: list[dict[str, Any]]) -> None:
    profiles = [raw["case"] for raw in portfolio]
    assert all(re.fullmatch(r"B-\d{6}", p["borrower_ref"]) for p in profiles)
    assert all(re.fullmatch(r"L-\d{10}", p["loan_id"]) for p in profiles)
    texts = {e["data"]["text"] for raw in portfolio for e in raw["events"] if e["type"] == "note_added"}
    assert texts and texts <= set(NOTES)


def test_profiles_vary(portfolio: list[dict[str, Any]]) -> None:
    profiles = [raw["case"] for raw in portfolio]
    assert len({p["property_state"] for p in profiles}) >= 10
    assert len({p["timezone"] for p in profiles}) >= 3
    assert any(p["fdcpa_debt_collector"] for p in profiles) and any(p["small_servicer"] for p in profiles)
    zones = {e["data"].get("borrower_timezone") for raw in portfolio for e in raw["events"]}
    assert len(zones - {None}) >= 2


@pytest.mark.parametrize("today", [date(2024, 3, 11), date(2025, 1, 2), date(2027, 12, 31)])
def test_a_small_portfolio_computes_on_other_days(today: date) -> None:
    for raw in generate_portfolio(30, seed=3, today=today):
        case = parse_casefile(raw, default_as_of=today)
        found = compute_clocks(case.case_id, case.profile, case.events, calendar_for(case.calendar), case.as_of)
        assert all(c.status in STATUSES for c in found)

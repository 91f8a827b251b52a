"""Happy paths of clocks, the preview, the rulebook and calendars."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from tests.api.support import NOW, application, assert_problem, bearer, open_case

CASE_FILE = {
    "case": {"id": "CC-RX-01", "property_state": "NY", "timezone": "America/New_York"},
    "calendar": "us-6103a", "as_of": "2026-07-06", "events": [application("2026-07-02")],
}


def _clock(timeline: dict[str, Any], rule: str) -> dict[str, Any]:
    return next(c for c in timeline["clocks"] if c["rule"] == rule)


def test_preview_computes_and_stores_nothing(api_client: TestClient, api_tokens: dict[str, str]) -> None:
    response = api_client.post("/v1/timeline/preview", json=CASE_FILE, headers=bearer(api_tokens["examiner"]))
    assert response.status_code == 200
    timeline = response.json()
    assert (timeline["case_id"], timeline["as_of"], timeline["calendar"]) == ("CC-RX-01", "2026-07-06", "us-6103a")
    ack = _clock(timeline, "lm_ack_notice")
    # Golden CC-RX-01: 5 rxbd from Thu 2026-07-02 skipping Sat 07-04 only; the observed policy says 07-10.
    assert (ack["due"], ack["status"], ack["citation"]) == ("2026-07-09", "open", "12 CFR 1024.41(b)(2)(i)(B)")
    assert ack["alternatives"] == [{"calendar": "us-6103a-observed", "due": "2026-07-10"}]
    audit = api_client.get("/v1/audit/events", headers=bearer(api_tokens["compliance_officer"])).json()
    assert audit["items"] == []


def test_preview_as_of_defaults_to_today(api_client: TestClient, api_tokens: dict[str, str]) -> None:
    case_file = {key: value for key, value in CASE_FILE.items() if key != "as_of"}
    response = api_client.post("/v1/timeline/preview", json=case_file, headers=bearer(api_tokens["admin"]))
    assert response.json()["as_of"] == "2026-07-10"
    assert _clock(response.json(), "lm_ack_notice")["status"] == "breached"


def test_stored_case_clocks_match_the_preview(api_client: TestClient, api_tokens: dict[str, str]) -> None:
    open_case(api_client, api_tokens["specialist"], "C-1")
    api_client.post("/v1/cases/C-1/events", json=application("2026-07-02"), headers=bearer(api_tokens["specialist"]))
    headers = bearer(api_tokens["specialist"])
    stored = api_client.get("/v1/cases/C-1/clocks?as_of=2026-07-06", headers=headers).json()
    ack = _clock(stored, "lm_ack_notice")
    assert (ack["due"], ack["status"]) == ("2026-07-09", "open")
    observed = api_client.get("/v1/cases/C-1/clocks?as_of=2026-07-06&calendar=us-6103a-observed", headers=headers)
    assert _clock(observed.json(), "lm_ack_notice")["due"] == "2026-07-10"
    today = api_client.get("/v1/cases/C-1/clocks", headers=headers).json()
    assert today["as_of"] == "2026-07-10" and _clock(today, "lm_ack_notice")["status"] == "breached"


def test_unknown_calendar_is_422(api_client: TestClient, api_tokens: dict[str, str]) -> None:
    open_case(api_client, api_tokens["specialist"], "C-1")
    response = api_client.get("/v1/cases/C-1/clocks?calendar=us-6103b", headers=bearer(api_tokens["specialist"]))
    assert assert_problem(response, 422)["errors"][0]["loc"] == "query.calendar"


def _storable(case: dict[str, Any]) -> bool:
    events = case["casefile"]["events"]
    return all(date.fromisoformat(e["occurred_at"][:10]) <= NOW.date() for e in events) and events


def _shape(clock: dict[str, Any]) -> tuple[Any, ...]:
    when = clock.get("due") or clock.get("closes") or clock.get("not_before")
    return clock["rule"], clock["trigger"]["type"], clock["trigger"]["on"], when, clock["status"], clock["met_on"]


def test_every_golden_case_stored_through_the_api_gives_the_preview_clocks(
    api_client: TestClient, api_tokens: dict[str, str], golden_dir: Path
) -> None:
    cases = [json.loads(line) for line in (golden_dir / "cases.jsonl").read_text().splitlines() if line.strip()]
    headers = bearer(api_tokens["specialist"])
    checked = 0
    for case in filter(_storable, cases):
        casefile = case["casefile"]
        profile = {k: v for k, v in casefile["case"].items() if k != "id"} | {"loan_id": "L", "borrower_ref": "B"}
        first = min(e["occurred_at"][:10] for e in casefile["events"])
        opened = {"case_id": case["id"], "occurred_at": first, "data": profile}
        assert api_client.post("/v1/cases", json=opened, headers=headers).status_code == 201
        response = api_client.post(f"/v1/cases/{case['id']}/events", json={"events": casefile["events"]},
                                   headers=headers)
        assert response.status_code == 201, (case["id"], response.text)
        query = f"as_of={casefile['as_of']}&calendar={casefile.get('calendar', 'us-6103a')}"
        stored = api_client.get(f"/v1/cases/{case['id']}/clocks?{query}", headers=headers).json()
        preview = api_client.post("/v1/timeline/preview", json=casefile, headers=headers).json()
        assert sorted(map(_shape, stored["clocks"])) == sorted(map(_shape, preview["clocks"])), case["id"]
        checked += 1
    assert checked >= 10


def test_rulebook_lists_contract_rules_with_citations(api_client: TestClient, api_tokens: dict[str, str]) -> None:
    rules = api_client.get("/v1/rules", headers=bearer(api_tokens["manager"])).json()
    by_id = {r["id"]: r for r in rules["rules"]}
    for rule_id in ("lm_ack_notice", "lm_evaluate", "fc_120_day_bar", "noe_response", "regf_call_frequency"):
        assert by_id[rule_id]["citation"] and by_id[rule_id]["effective_from"]
    assert by_id["lm_appeal_window"]["kind"] == "window"
    assert {r["id"] for r in rules["historical"]} >= {"covid_ei_live_contact"}


def test_business_days_and_holidays(api_client: TestClient, api_tokens: dict[str, str]) -> None:
    headers = bearer(api_tokens["specialist"])
    days = api_client.get("/v1/calendars/us-6103a/business-days?from=2026-07-02&to=2026-07-09", headers=headers)
    assert days.json()["business_days"] == ["2026-07-02", "2026-07-03", "2026-07-06", "2026-07-07", "2026-07-08",
                                            "2026-07-09"]
    observed = api_client.get("/v1/calendars/us-6103a-observed/business-days?from=2026-07-02&to=2026-07-06",
                              headers=headers).json()
    assert observed["business_days"] == ["2026-07-02", "2026-07-06"] and observed["count"] == 2
    holidays = api_client.get("/v1/calendars/us-6103a-observed/holidays?from=2026-07-03&to=2026-07-04",
                              headers=headers).json()
    assert [h["date"] for h in holidays["holidays"]] == ["2026-07-03", "2026-07-04"]
    assert (holidays["from"], holidays["to"]) == ("2026-07-03", "2026-07-04")


def test_calendar_ranges_are_checked(api_client: TestClient, api_tokens: dict[str, str]) -> None:
    headers = bearer(api_tokens["specialist"])
    reversed_range = api_client.get("/v1/calendars/us-6103a/holidays?from=2026-07-09&to=2026-07-01", headers=headers)
    assert assert_problem(reversed_range, 422)["errors"][0]["loc"] == "query.to"
    outside = api_client.get("/v1/calendars/us-6103a/holidays?from=1999-12-01&to=2026-07-01", headers=headers)
    assert assert_problem(outside, 422)["errors"][0]["loc"] == "query.from"
    unknown = api_client.get("/v1/calendars/uk/holidays?from=2026-07-01&to=2026-07-09", headers=headers)
    assert assert_problem(unknown, 422)["errors"][0]["loc"] == "path.policy"
    whole = api_client.get("/v1/calendars/us-6103a/business-days?from=2000-01-01&to=2045-12-31", headers=headers)
    assert whole.status_code == 200 and whole.json()["count"] > 11_000

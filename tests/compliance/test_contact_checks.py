"""Given/when/then: Regulation F checks on the contact log (12 CFR 1006.14(b)(2), 1006.6(b)(1)(i))."""

from __future__ import annotations

from datetime import date
from typing import Any

from compliance.casefile import parse_casefile
from compliance.contact_checks import ledger_json
from compliance.engine import evaluate
from compliance.evaluation import Readings
from tests.compliance.factories import Scenario, casefile, event, given
from timelines.calendar import calendar_for

FREQ, CONV, HOURS = "regf_call_frequency", "regf_call_after_conversation", "contact_inconvenient_time"
COLLECTOR: dict[str, Any] = {"fdcpa_debt_collector": True}


def contact(at: str, *, outcome: str = "no_answer", direction: str = "outbound", channel: str = "phone",
            party: str = "borrower", zone: str | None = None, event_id: str | None = None) -> dict[str, Any]:
    data: dict[str, Any] = {"channel": channel, "direction": direction, "outcome": outcome, "party": party,
                            "staff_id": "S-1"}
    if zone:
        data["borrower_timezone"] = zone
    return event("contact_logged", at, event_id=event_id, **data)


def checks(clocks: list[dict[str, Any]], rule: str) -> dict[str, dict[str, Any]]:
    """The rule's check clocks keyed by the judged contact's timestamp."""
    return {c["trigger"]["at"]: c for c in clocks if c["rule"] == rule}


def ledger(scenario: Scenario, as_of: str) -> list[dict[str, Any]]:
    """compliance.contact_ledger for a scenario: the counters an export shows per contact."""
    raw = casefile(*scenario.history, as_of=as_of, **scenario.profile)
    parsed = parse_casefile(raw, default_as_of=date(2000, 1, 1))
    ev = evaluate(parsed.case_id, parsed.profile, parsed.events, calendar_for(parsed.calendar), parsed.as_of)
    return ledger_json(ev)


def week_of_calls(first_day: int = 2, count: int = 7) -> list[dict[str, Any]]:
    """`count` outbound calls, two a day from March `first_day` 2026 (New York, before the DST change)."""
    return [contact(f"2026-03-{first_day + i // 2:02d}T{10 + 5 * (i % 2)}:00:00-05:00") for i in range(count)]


# --- 1006.14(b)(2)(i)(A): more than 7 calls in 7 consecutive days -------------------------------------------


def test_seven_calls_are_compliant_the_eighth_is_a_presumed_violation() -> None:
    """CC-OC-08A: the 8th call within 7 days (Mar 2..Mar 8) is breached; none of the first 7 is."""
    clocks = given(*week_of_calls(), contact("2026-03-08T10:00:00-04:00"), **COLLECTOR).on("2026-03-09")
    verdicts = checks(clocks, FREQ)
    assert [c["status"] for c in verdicts.values()] == ["met"] * 7 + ["breached"]
    eighth = verdicts["2026-03-08T10:00:00-04:00"]
    assert "call number 8" in eighth["finding"] and eighth["due"] is None
    assert eighth["trigger"]["on"] == "2026-03-08"


def test_a_call_on_day_eight_falls_outside_the_window() -> None:
    clocks = given(*week_of_calls(), contact("2026-03-09T10:00:00-04:00"), **COLLECTOR).on("2026-03-10")
    assert checks(clocks, FREQ)["2026-03-09T10:00:00-04:00"]["status"] == "met"


def test_inbound_calls_do_not_count_and_are_not_judged() -> None:
    history = (*week_of_calls(), contact("2026-03-06T12:00:00-05:00", direction="inbound"),
               contact("2026-03-06T16:00:00-05:00"))
    verdicts = checks(given(*history, **COLLECTOR).on("2026-03-09"), FREQ)
    assert len(verdicts) == 8 and verdicts["2026-03-06T16:00:00-05:00"]["status"] == "breached"


def test_calls_to_another_person_are_counted_separately() -> None:
    history = (*week_of_calls(), contact("2026-03-06T16:00:00-05:00", party="co_borrower"))
    assert checks(given(*history, **COLLECTOR).on("2026-03-09"), FREQ)["2026-03-06T16:00:00-05:00"]["status"] == "met"


def test_busy_calls_are_counted_but_flagged_1006_14_b3() -> None:
    history = (*week_of_calls(count=6), contact("2026-03-05T17:00:00-05:00", outcome="busy"),
               contact("2026-03-05T18:00:00-05:00"))
    c = checks(given(*history, **COLLECTOR).on("2026-03-09"), FREQ)["2026-03-05T18:00:00-05:00"]
    assert c["status"] == "breached" and "busy_calls_counted" in c["flags"]


# --- 1006.14(b)(2)(i)(B): calls within 7 days after a conversation ----------------------------------------


def test_conversation_day_1_bars_calls_through_day_7_not_day_8() -> None:
    """CC-OC-09: an inbound conversation on Apr 15 (day 1) bars calls through Apr 21; Apr 22 is free."""
    history = (contact("2026-04-15T14:00:00-04:00", direction="inbound", outcome="live_contact"),
               contact("2026-04-21T10:00:00-04:00"), contact("2026-04-22T10:00:00-04:00"))
    verdicts = checks(given(*history, **COLLECTOR).on("2026-04-23"), CONV)
    assert verdicts["2026-04-21T10:00:00-04:00"]["status"] == "breached"
    assert verdicts["2026-04-22T10:00:00-04:00"]["status"] == "met"
    assert "day 7 2026-04-21" in verdicts["2026-04-21T10:00:00-04:00"]["finding"]


def test_a_call_later_on_the_conversation_day_is_inside_the_period() -> None:
    history = (contact("2026-04-15T10:00:00-04:00", outcome="live_contact", event_id="CONV"),
               contact("2026-04-15T16:00:00-04:00"))
    verdicts = checks(given(*history, **COLLECTOR).on("2026-04-16"), CONV)
    assert verdicts["2026-04-15T10:00:00-04:00"]["status"] == "met"
    assert verdicts["2026-04-15T16:00:00-04:00"]["status"] == "breached"


def test_a_conversation_with_someone_else_does_not_bar_calls_to_the_borrower() -> None:
    history = (contact("2026-04-15T10:00:00-04:00", outcome="live_contact", party="attorney"),
               contact("2026-04-16T10:00:00-04:00"))
    assert checks(given(*history, **COLLECTOR).on("2026-04-17"), CONV)["2026-04-16T10:00:00-04:00"]["status"] == "met"


def test_voicemail_is_not_a_conversation() -> None:
    history = (contact("2026-04-15T10:00:00-04:00", outcome="left_message"), contact("2026-04-16T10:00:00-04:00"))
    assert checks(given(*history, **COLLECTOR).on("2026-04-17"), CONV)["2026-04-16T10:00:00-04:00"]["status"] == "met"


# --- 1006.6(b)(1)(i): before 8 a.m. or after 9 p.m. borrower-local ------------------------------------------


def test_borrower_in_another_zone_is_judged_on_their_clock() -> None:
    """CC-NEW-10: 8:30 p.m. PT is fine; 7:40 a.m. PT and 9:20 p.m. PT are not; trigger.on is the case's date."""
    la = "America/Los_Angeles"
    history = (contact("2026-07-15T20:30:00-07:00", zone=la), contact("2026-07-16T07:40:00-07:00", zone=la),
               contact("2026-07-16T21:20:00-07:00", zone=la))
    verdicts = checks(given(*history, **COLLECTOR).on("2026-07-17"), HOURS)
    assert [c["status"] for c in verdicts.values()] == ["met", "breached", "breached"]
    late = verdicts["2026-07-16T21:20:00-07:00"]
    assert late["trigger"]["on"] == "2026-07-17" and "after 9:00 p.m." in late["finding"]


def test_nine_pm_exactly_and_eight_am_exactly_are_allowed_a_second_outside_is_not() -> None:
    """FDCPA 805(a)(1) bars contact "before 8 o'clock antemeridian and after 9 o'clock postmeridian" (1006.6(b)(1)(i)):
    9:00:00 p.m. is not after 9 o'clock; 9:00:30 p.m. is, and its finding shows the seconds that make it so."""
    history = (contact("2026-05-04T08:00:00-04:00"), contact("2026-05-04T20:59:00-04:00"),
               contact("2026-05-04T21:00:00-04:00"), contact("2026-05-05T07:59:59-04:00"),
               contact("2026-05-05T21:00:30-04:00"), contact("2026-05-06T21:00:00.000001-04:00"))
    verdicts = checks(given(*history, **COLLECTOR).on("2026-05-07"), HOURS)
    assert [c["status"] for c in verdicts.values()] == ["met", "met", "met", "breached", "breached", "breached"]
    assert "21:00:30 EDT" in verdicts["2026-05-05T21:00:30-04:00"]["finding"]


def test_dst_start_day_local_hour_moves_with_the_offset() -> None:
    """2026-03-08 (DST starts): 12:30 UTC is 08:30 EDT; on 03-07 the same UTC time is 07:30 EST."""
    history = (contact("2026-03-07T12:30:00+00:00"), contact("2026-03-08T12:30:00+00:00"))
    verdicts = checks(given(*history, **COLLECTOR).on("2026-03-09"), HOURS)
    assert verdicts["2026-03-07T12:30:00+00:00"]["status"] == "breached"
    assert verdicts["2026-03-08T12:30:00+00:00"]["status"] == "met"


def test_dst_end_day_local_hour_moves_with_the_offset() -> None:
    """2026-11-01 (DST ends): 12:30 UTC is 07:30 EST; on 10-31 the same UTC time is 08:30 EDT."""
    history = (contact("2026-10-31T12:30:00+00:00"), contact("2026-11-01T12:30:00+00:00"))
    verdicts = checks(given(*history, **COLLECTOR).on("2026-11-02"), HOURS)
    assert verdicts["2026-10-31T12:30:00+00:00"]["status"] == "met"
    assert "07:30 EST" in verdicts["2026-11-01T12:30:00+00:00"]["finding"]


def test_texts_and_emails_are_timed_letters_portal_and_inbound_are_not() -> None:
    history = (contact("2026-05-04T22:00:00-04:00", channel="text", outcome="delivered"),
               contact("2026-05-04T22:05:00-04:00", channel="email", outcome="delivered"),
               contact("2026-05-04T22:10:00-04:00", channel="letter", outcome="delivered"),
               contact("2026-05-04T22:15:00-04:00", channel="portal", outcome="delivered"),
               contact("2026-05-04T22:20:00-04:00", direction="inbound", outcome="live_contact"))
    clocks = given(*history, **COLLECTOR).on("2026-05-06")
    assert [c["status"] for c in checks(clocks, HOURS).values()] == ["breached", "breached"]
    assert checks(clocks, FREQ) == {}


def test_attorney_contacts_are_judged_and_flagged() -> None:
    c = checks(given(contact("2026-05-04T07:00:00-04:00", party="attorney"), **COLLECTOR).on("2026-05-06"), HOURS)
    assert "attorney_contact" in next(iter(c.values()))["flags"]


# --- who is bound: FDCPA debt collectors, from 2021-11-30 ------------------------------------------------------


def test_not_a_debt_collector_not_applicable_with_would_be_finding() -> None:
    """Readings.regf_scope = debt_collector_only: nothing is silent, the would-be violation is a finding."""
    clocks = given(contact("2026-05-04T07:00:00-04:00"), contact("2026-05-04T10:00:00-04:00")).on("2026-05-06")
    early, fine = checks(clocks, HOURS).values()
    assert early["status"] == fine["status"] == "not_applicable"
    assert early["finding"].startswith("would be a presumed violation if Regulation F applied; UDAAP/state-law risk")
    assert "finding" not in fine and "not an FDCPA debt collector" in fine["reason"]


def test_all_loans_reading_judges_every_servicer() -> None:
    readings = Readings(regf_scope="all_loans")
    c = next(iter(checks(given(contact("2026-05-04T07:00:00-04:00"), readings=readings).on("2026-05-06"), HOURS)
                  .values()))
    assert c["status"] == "breached" and "regf_scope_all_loans" in c["flags"]


def test_contacts_before_regulation_f_took_effect_are_not_judged() -> None:
    c = next(iter(checks(given(contact("2021-11-29T07:00:00-05:00"), **COLLECTOR).on("2021-12-01"), HOURS).values()))
    assert "took effect on 2021-11-30" in c["reason"]


def test_contacts_during_the_automatic_stay_and_after_a_cease_are_flagged() -> None:
    """11 U.S.C. 362(a); FDCPA 805(c) / 12 CFR 1006.6(c): flagged on every check of the contact."""
    history = (event("bankruptcy_filed", "2026-05-01", chapter=7, petition_date="2026-05-01"),
               event("cease_communication_received", "2026-05-02"), contact("2026-05-04T10:00:00-04:00"))
    clocks = given(*history, **COLLECTOR).on("2026-05-06")
    for rule in (FREQ, CONV, HOURS):
        flags = next(iter(checks(clocks, rule).values()))["flags"]
        assert "automatic_stay" in flags and "after_cease_communication" in flags


def test_relief_from_stay_ends_the_automatic_stay_flag() -> None:
    """11 U.S.C. 362(d): after relief from the stay, contacts are no longer flagged as made during it."""
    history = (event("bankruptcy_filed", "2026-05-01", chapter=13, petition_date="2026-05-01"),
               contact("2026-05-04T10:00:00-04:00"), event("bankruptcy_ended", "2026-05-10", how="relief_from_stay"),
               contact("2026-05-12T10:00:00-04:00"))
    verdicts = checks(given(*history, **COLLECTOR).on("2026-05-14"), HOURS)
    assert "automatic_stay" in verdicts["2026-05-04T10:00:00-04:00"]["flags"]
    assert "automatic_stay" not in verdicts["2026-05-12T10:00:00-04:00"].get("flags", [])


# --- corrections and voids -------------------------------------------------------------------------------------


def test_voiding_a_call_drops_it_from_the_count_and_cancels_its_checks() -> None:
    history = (contact("2026-03-02T09:00:00-05:00", event_id="WRONG"), *week_of_calls(),
               event("entry_voided", "2026-03-06", voids="WRONG", reason="logged on the wrong loan"))
    clocks = given(*history, **COLLECTOR).on("2026-03-09")
    assert all(c["status"] == "met" for c in checks(clocks, FREQ).values() if c["trigger"]["event_id"] != "WRONG")
    voided = [c for c in clocks if c["trigger"]["event_id"] == "WRONG"]
    assert {c["rule"] for c in voided} == {FREQ, CONV, HOURS}
    assert all(c["status"] == "cancelled" and "logged on the wrong loan" in c["reason"] for c in voided)


def test_voided_inbound_contact_or_other_event_leaves_no_check_behind() -> None:
    history = (contact("2026-03-02T09:00:00-05:00", event_id="IN", direction="inbound"),
               event("note_added", "2026-03-02", event_id="NOTE", text="called back"),
               event("entry_voided", "2026-03-06", voids="IN", reason="duplicate"),
               event("entry_voided", "2026-03-06", voids="NOTE", reason="wrong case"))
    clocks = given(*history, **COLLECTOR).on("2026-03-09")
    assert [c for c in clocks if c["kind"] == "check"] == []


def test_corrected_time_is_judged_again() -> None:
    history = (contact("2026-05-04T07:45:00-04:00", event_id="C"),
               event("entry_corrected", "2026-05-05", corrects="C", reason="dialer clock was off",
                     replacement={"occurred_at": "2026-05-04T08:15:00-04:00"}))
    c = next(iter(checks(given(*history, **COLLECTOR).on("2026-05-06"), HOURS).values()))
    assert (c["status"], c["trigger"]["at"]) == ("met", "2026-05-04T08:15:00-04:00")


def test_correction_to_a_plain_date_cannot_be_judged_on_the_hour() -> None:
    history = (contact("2026-05-04T07:45:00-04:00", event_id="C"),
               event("entry_corrected", "2026-05-05", corrects="C", reason="time unknown",
                     replacement={"occurred_at": "2026-05-04"}))
    clocks = given(*history, **COLLECTOR).on("2026-05-06")
    hours = [c for c in clocks if c["rule"] == HOURS][0]
    assert hours["status"] == "not_applicable" and hours["flags"] == ["no_timestamp"]
    assert [c for c in clocks if c["rule"] == FREQ][0]["status"] == "met"


# --- the ledger behind the checks (exports) ------------------------------------------------------------------


def test_ledger_reports_counters_and_findings_per_contact() -> None:
    history = (contact("2026-04-15T14:00:00-04:00", direction="inbound", outcome="live_contact", event_id="IN"),
               contact("2026-04-16T07:30:00-04:00", event_id="OUT"))
    entries = {e["event_id"]: e for e in ledger(given(*history, **COLLECTOR), "2026-04-20")}
    assert entries["IN"]["calls_in_7_days"] == 0 and entries["IN"]["conversation_period"] is None
    out = entries["OUT"]
    assert out["calls_in_7_days"] == 1 and out["conversation_period"] == {"conversation": "IN", "through": "2026-04-21"}
    assert set(out["findings"]) == {CONV, HOURS} and out["borrower_local"] == "2026-04-16T07:30:00-04:00"
    assert out["regulation_f_applies"] is True
    assert ledger(given(*history), "2026-04-20")[1]["regulation_f_applies"] is False


def test_checks_are_ordered_by_instant_not_by_offset_text() -> None:
    """Deterministic order (engine.sort_key): 13:00Z comes before 10:00-04:00 (= 14:00Z) on the same day."""
    history = (contact("2026-05-04T10:00:00-04:00"), contact("2026-05-04T13:00:00+00:00"))
    ats = [c["trigger"]["at"] for c in given(*history, **COLLECTOR).on("2026-05-06") if c["rule"] == HOURS]
    assert ats == ["2026-05-04T13:00:00+00:00", "2026-05-04T10:00:00-04:00"]

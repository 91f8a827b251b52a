"""The pure reports on hand-built records with known answers: counts, days used, median/p90, team attribution,
contact counts, pipeline stages and ages, milestones, and the improvements sentences."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from compliance.casefile import parse_casefile
from compliance.history import effective_history
from compliance.reports import (
    STAGES,
    ApplicationRecord,
    Assignment,
    CaseRecord,
    ClockRecord,
    Period,
    Table,
    application_records,
    breach_trend,
    contact_report,
    improvements_report,
    outcome,
    period_for,
    pipeline_report,
    timeliness_report,
)
from compliance.reports.days_used import days_used
from compliance.reports.from_events import case_applications, case_inputs
from compliance.reports.stats import percentile
from compliance.reports.trend import buckets
from tests.compliance.factories import casefile, event
from timelines.calendar import calendar_for

AS_OF = date(2026, 7, 10)
PERIOD = Period(date(2026, 6, 11), date(2026, 7, 10))  # 30 days
MON = date(2026, 6, 1)


def deadline(rule: str = "lm_ack_notice", *, due: date, status: str = "met", trigger_on: date | None = None,
             met_on: date | None = None, team: str | None = "east-1", staff: str | None = "S-1", case: str = "C-1",
             calendar: str = "us-6103a", n: list[int] = [0]) -> ClockRecord:  # noqa: B006 - a counter for ids
    """A deadline record; `met_on` given means met_by is set (met on time, or late when status is breached)."""
    n[0] += 1
    return ClockRecord(case_id=case, clock_id=f"{rule}:{n[0]}", rule=rule, kind="deadline", status=status,
                       trigger_on=trigger_on or due - timedelta(days=7), calendar=calendar, due=due,
                       met_by=f"e{n[0]}" if met_on else None, met_on=met_on, team=team, staff_id=staff)


# --- period -------------------------------------------------------------------------------------------------

def test_period_length_previous_and_defaults() -> None:
    assert PERIOD.days == 30
    assert PERIOD.previous() == Period(date(2026, 5, 12), date(2026, 6, 10))
    assert Period.ending(AS_OF, days=30) == PERIOD
    assert period_for(None, None, today=AS_OF) == PERIOD
    assert period_for(date(2026, 7, 1), None, today=AS_OF) == Period(date(2026, 7, 1), AS_OF)
    assert PERIOD.contains(date(2026, 6, 11)) and not PERIOD.contains(date(2026, 6, 10))
    with pytest.raises(ValueError, match="ends"):
        Period(AS_OF, date(2026, 7, 1))


# --- outcomes, days used ------------------------------------------------------------------------------------

@pytest.mark.parametrize(("status", "met", "due", "expected"), [
    ("met", True, date(2026, 7, 1), "met_on_time"),
    ("breached", True, date(2026, 7, 1), "met_late"),
    ("breached", False, date(2026, 7, 1), "breached_open"),
    ("open", False, date(2026, 7, 9), "breached_open"),  # the due date has passed on as_of
    ("open", False, AS_OF, "open"),  # a deadline passes at the end of its due date
    ("cancelled", False, date(2026, 7, 1), None),
    ("not_applicable", False, date(2026, 7, 1), None),
])
def test_outcome(status: str, met: bool, due: date, expected: str | None) -> None:
    record = deadline(due=due, status=status, met_on=due if met else None)
    assert outcome(record, as_of=AS_OF) == expected


def test_windows_bars_and_checks_are_not_deadlines() -> None:
    window = ClockRecord("C-1", "w", "lm_accept_window", "window", "open", MON, closes=date(2026, 6, 15))
    assert outcome(window, as_of=AS_OF) is None


def test_days_used_counts_business_days_for_rxbd_rules() -> None:
    # Mon 2026-06-01 + 5 business days = Mon 2026-06-08; met Wed 06-03 = 2 business days.
    record = deadline("lm_ack_notice", trigger_on=MON, due=date(2026, 6, 8), met_on=date(2026, 6, 3))
    used = days_used(record)
    assert used is not None and (used.used, used.allowed, used.unit) == (2, 5, "rxbd")
    assert used.share == pytest.approx(0.4)


def test_days_used_follows_the_clocks_calendar() -> None:
    # Under us-6103a-observed Fri 2026-07-03 (Independence Day observed) is not a business day.
    observed = deadline("rfi_ack", trigger_on=date(2026, 7, 2), due=date(2026, 7, 10), met_on=date(2026, 7, 6),
                        calendar="us-6103a-observed")
    plain = deadline("rfi_ack", trigger_on=date(2026, 7, 2), due=date(2026, 7, 9), met_on=date(2026, 7, 6))
    assert (days_used(observed).used, days_used(observed).allowed) == (1, 5)  # type: ignore[union-attr]
    assert (days_used(plain).used, days_used(plain).allowed) == (2, 5)  # type: ignore[union-attr]


def test_days_used_calendar_rules_and_unmet_deadlines() -> None:
    met = deadline("lm_evaluate", trigger_on=MON, due=date(2026, 7, 1), met_on=date(2026, 6, 16))
    assert days_used(met).share == pytest.approx(0.5)  # type: ignore[union-attr]
    assert days_used(deadline("lm_evaluate", due=date(2026, 7, 1), status="breached")) is None


def test_percentile_interpolates_between_ranks() -> None:
    assert percentile([0.0, 0.4, 1.0, 1.2], 90) == pytest.approx(1.14)
    assert percentile([0.7], 90) == 0.7
    assert percentile([], 90) is None


# --- timeliness ---------------------------------------------------------------------------------------------

def _ack_records() -> list[ClockRecord]:
    """Four lm_ack_notice deadlines triggered Mon 06-22, due Mon 06-29 (5 business days), and four more."""
    trig, due = date(2026, 6, 22), date(2026, 6, 29)
    return [
        deadline(trigger_on=trig, due=due, met_on=trig, team="east-1", staff="S-1"),  # 0 of 5 days
        deadline(trigger_on=trig, due=due, met_on=date(2026, 6, 24), team="east-1", staff="S-2"),  # 2 of 5
        deadline(trigger_on=trig, due=due, met_on=due, team="east-2", staff="S-3"),  # 5 of 5
        deadline(trigger_on=trig, due=due, status="breached", met_on=date(2026, 6, 30), team="east-2",
                 staff="S-3"),  # 6 of 5: met late
        deadline(due=date(2026, 7, 1), status="breached", team="east-2", staff="S-3"),  # never met
        deadline(due=date(2026, 7, 15), status="open", team=None, staff=None),  # due after the period
        deadline(due=AS_OF, status="open", team=None, staff=None),  # due today: still open
        deadline(due=date(2026, 6, 30), status="cancelled"),
    ]


def test_timeliness_counts_and_days_used() -> None:
    report = timeliness_report(_ack_records(), PERIOD, as_of=AS_OF)
    total = report.total
    assert (total.due, total.met_on_time, total.met_late, total.breached_open, total.open) == (6, 3, 1, 1, 1)
    assert total.breach_rate == pytest.approx(2 / 5)  # open clocks are not decided yet
    assert total.median_used == pytest.approx(0.7)  # shares 0.0, 0.4, 1.0, 1.2
    assert total.p90_used == pytest.approx(1.14)
    assert [r.rule for r in report.by_rule] == ["lm_ack_notice"]


def test_timeliness_by_team_and_staff() -> None:
    report = timeliness_report(_ack_records(), PERIOD, as_of=AS_OF)
    teams = {r.team: (r.due, r.breaches, r.breach_rate) for r in report.by_team}
    assert teams == {"east-1": (2, 0, 0.0), "east-2": (3, 2, 2 / 3), None: (1, 0, None)}
    assert [r.team for r in report.by_team] == ["east-1", "east-2", None]  # unassigned last
    staff = {(r.team, r.staff_id): r.due for r in report.by_staff}
    assert staff == {("east-1", "S-1"): 1, ("east-1", "S-2"): 1, ("east-2", "S-3"): 3, (None, None): 1}


def test_timeliness_rules_in_rulebook_order_and_json() -> None:
    records = [deadline("noe_ack", due=date(2026, 7, 1), met_on=date(2026, 6, 30)),
               deadline("lm_evaluate", due=date(2026, 7, 1), met_on=date(2026, 6, 30))]
    report = timeliness_report(records, PERIOD, as_of=AS_OF)
    assert [r.rule for r in report.by_rule] == ["lm_evaluate", "noe_ack"]
    body = report.to_json()
    assert body["period"] == {"from": "2026-06-11", "to": "2026-07-10", "days": 30}
    assert body["total"]["due"] == 2  # type: ignore[index]


def test_timeliness_table_has_the_documented_columns() -> None:
    table = timeliness_report(_ack_records(), PERIOD, as_of=AS_OF).table()
    assert table.columns == ("group", "rule", "team", "staff_id", "due", "met_on_time", "met_late", "breached_open",
                             "open", "breach_rate", "median_used_of_allowed", "p90_used_of_allowed")
    rows = list(csv.reader(io.StringIO(table.to_csv())))
    assert rows[0] == list(table.columns)
    assert rows[1] == ["total", "", "", "", "6", "3", "1", "1", "1", "0.4", "0.7", "1.14"]
    assert [r[0] for r in rows[1:]] == ["total", "rule", "team", "team", "team", "staff", "staff", "staff", "staff"]


def test_table_rejects_ragged_rows() -> None:
    with pytest.raises(ValueError, match="cells"):
        Table(("a", "b"), (("x",),))


# --- breach trend -------------------------------------------------------------------------------------------

def test_buckets_end_on_the_last_day() -> None:
    assert buckets(Period(date(2026, 6, 27), AS_OF)) == (Period(date(2026, 6, 27), date(2026, 7, 3)),
                                                        Period(date(2026, 7, 4), AS_OF))
    long = buckets(Period.ending(AS_OF, days=100))
    assert [b.days for b in long] == [10, 30, 30, 30]


def test_breach_trend_total_then_teams() -> None:
    points = breach_trend(_ack_records(), Period(date(2026, 6, 20), date(2026, 7, 3)), as_of=AS_OF)
    got = [(p.bucket.start, p.group, p.team, p.judged, p.breaches) for p in points]
    first, second = date(2026, 6, 20), date(2026, 6, 27)
    assert got == [(first, "total", None, 0, 0), (first, "team", "east-1", 0, 0), (first, "team", "east-2", 0, 0),
                   (second, "total", None, 5, 2), (second, "team", "east-1", 2, 0), (second, "team", "east-2", 3, 2)]
    assert points[3].breach_rate == pytest.approx(0.4) and points[0].breach_rate is None


# --- improvements -------------------------------------------------------------------------------------------

def _evaluations(period: Period, *, team: str, count: int, breaches: int, met_after: int = 15) -> list[ClockRecord]:
    """lm_evaluate deadlines (30 calendar days) due in the period; on-time ones used met_after of 30 days."""
    out = []
    for i in range(count):
        due = period.start + timedelta(days=i % period.days)
        trig = due - timedelta(days=30)
        if i < breaches:
            out.append(deadline("lm_evaluate", trigger_on=trig, due=due, status="breached", team=team))
        else:
            out.append(deadline("lm_evaluate", trigger_on=trig, due=due, met_on=trig + timedelta(days=met_after),
                                team=team))
    return out


def test_improvements_sentences_name_the_rule_and_the_team_that_drove_it() -> None:
    before = PERIOD.previous()
    records = [*_evaluations(PERIOD, team="east-2", count=20, breaches=2),
               *_evaluations(PERIOD, team="east-1", count=5, breaches=1),
               *_evaluations(before, team="east-2", count=20, breaches=0),
               *_evaluations(before, team="east-1", count=5, breaches=1)]
    report = improvements_report(records, PERIOD, as_of=AS_OF)
    assert report.sentences == (
        "lm_evaluate: breach rate 12% vs 4% in the previous 30 days (+8 points); team east-2 drove 2 of 3 breaches.",
        "team east-2: breach rate 10% vs 0% in the previous 30 days (+10 points); lm_evaluate drove both breaches.",
    )
    rule = report.changes[0]
    assert (rule.subject, rule.name, rule.rate_rise, rule.median_rise, rule.driver, rule.driver_breaches) == (
        "rule", "lm_evaluate", 8, 0, "east-2", 2)
    assert report.to_json()["previous"] == {"from": "2026-05-12", "to": "2026-06-10", "days": 30}


def test_improvements_report_a_rise_in_days_used() -> None:
    records = [*_evaluations(PERIOD, team="west-1", count=6, breaches=0, met_after=24),
               *_evaluations(PERIOD.previous(), team="west-1", count=6, breaches=0, met_after=15)]
    report = improvements_report(records, PERIOD, as_of=AS_OF)
    assert report.sentences[0] == ("lm_evaluate: median days used 80% of the allowed days vs 50% in the previous "
                                   "30 days (+30 points).")
    assert report.changes[0].median_rise == 30


def test_improvements_need_enough_clocks_in_both_periods() -> None:
    records = [*_evaluations(PERIOD, team="east-2", count=4, breaches=3),
               *_evaluations(PERIOD.previous(), team="east-2", count=10, breaches=0)]
    report = improvements_report(records, PERIOD, as_of=AS_OF)
    assert report.changes == ()
    assert report.sentences == ("No rule or team did worse than in the previous 30 days (comparing those with at "
                                "least 5 deadlines decided in both periods).",)
    assert improvements_report(records, PERIOD, as_of=AS_OF, min_judged=4).changes[0].rate_rise == 75


def test_improvements_say_when_nobody_led_the_breaches() -> None:
    records = [*_evaluations(PERIOD, team="a", count=5, breaches=1), *_evaluations(PERIOD, team="b", count=5,
                                                                                   breaches=1),
               *_evaluations(PERIOD.previous(), team="a", count=10, breaches=0)]
    sentence = improvements_report(records, PERIOD, as_of=AS_OF).sentences[0]
    assert sentence.endswith("(+20 points); no single team led the 2 breaches.")


# --- contacts -----------------------------------------------------------------------------------------------

def check(rule: str, case: str, event_id: str, *, status: str = "met", on: date = date(2026, 7, 1),
          flags: tuple[str, ...] = (), finding: str | None = None, team: str = "east-1") -> ClockRecord:
    """A check clock on one contact."""
    return ClockRecord(case, f"{rule}:{event_id}", rule, "check", status, on, trigger_event_id=event_id,
                       trigger_at=datetime(on.year, on.month, on.day, 12, tzinfo=ZoneInfo("UTC")), flags=flags,
                       finding=finding, team=team)


def test_contact_compliance_counts() -> None:
    cease = ("after_cease_communication",)
    stay = ("automatic_stay",)
    checks = [
        # A call after a cease-communication notice, within 7 days of a conversation: one violation.
        check("regf_call_frequency", "C-1", "a", flags=cease),
        check("regf_call_after_conversation", "C-1", "a", status="breached", flags=cease, finding="within 7 days"),
        check("contact_inconvenient_time", "C-1", "a", flags=cease),
        # An e-mail at 7 a.m. (only the hours rule judges it).
        check("contact_inconvenient_time", "C-2", "b", status="breached", finding="07:00", team="west-1"),
        # A call during a bankruptcy on a loan Regulation F does not bind: would-be finding at 10 p.m.
        check("regf_call_frequency", "C-3", "c", status="not_applicable", flags=stay),
        check("regf_call_after_conversation", "C-3", "c", status="not_applicable", flags=stay),
        check("contact_inconvenient_time", "C-3", "c", status="not_applicable", flags=stay, finding="22:00"),
        # A voided contact, and a contact before the period: neither counts.
        check("contact_inconvenient_time", "C-4", "d", status="cancelled"),
        check("contact_inconvenient_time", "C-4", "e", status="breached", on=date(2026, 6, 1), finding="x"),
    ]
    report = contact_report(checks, PERIOD, as_of=AS_OF)
    total = report.total
    assert (total.contacts, total.calls, total.contacts_with_violations) == (3, 2, 2)
    assert (total.forbidden_hours, total.forbidden_hours_outside_regf) == (1, 1)
    assert (total.calls_after_cease, total.calls_in_bankruptcy) == (1, 1)
    assert [(r.rule, r.judged, r.violations, r.outside_regf_scope) for r in report.by_rule] == [
        ("regf_call_frequency", 2, 0, 0), ("regf_call_after_conversation", 2, 1, 0),
        ("contact_inconvenient_time", 3, 1, 1)]
    assert {t.team: t.contacts for t in report.by_team} == {"east-1": 2, "west-1": 1}
    assert [(f.case_id, f.rule, f.status) for f in report.findings] == [
        ("C-1", "regf_call_after_conversation", "breached"), ("C-2", "contact_inconvenient_time", "breached"),
        ("C-3", "contact_inconvenient_time", "not_applicable")]
    table = report.table()
    assert table.columns[:6] == ("group", "rule", "team", "judged", "violations", "outside_regf_scope")
    assert [row[0] for row in table.rows] == ["rule", "rule", "rule", "total", "team", "team"]


# --- pipeline -----------------------------------------------------------------------------------------------

def _history(*events: dict[str, Any]) -> Any:
    parsed = parse_casefile(casefile(*events, as_of="2026-07-10"), default_as_of=AS_OF)
    return effective_history(parsed.events, ZoneInfo("America/New_York"))


def _stages(*events: dict[str, Any]) -> list[tuple[str, str, date]]:
    found = application_records("C-1", _history(*events), Assignment("east-1", "S-1", "M-1"), as_of=AS_OF)
    return [(a.application_id, a.stage, a.stage_on) for a in found]


def test_application_stages() -> None:
    got = _stages(
        event("application_received", "2026-07-01", application_id="A1"),
        event("application_received", "2026-06-01", application_id="A2"),
        event("application_acknowledged", "2026-06-03", application_id="A2", complete=False, missing_items=["pay"]),
        event("application_received", "2026-05-01", application_id="A3"),
        event("application_completed", "2026-05-20", application_id="A3"),
        event("application_received", "2026-04-01", application_id="A4"),
        event("application_completed", "2026-04-10", application_id="A4"),
        event("evaluation_decided", "2026-07-01", application_id="A4", outcome="denial", loan_modification_denied=True),
        event("application_received", "2026-03-01", application_id="A5"),
        event("evaluation_decided", "2026-07-05", application_id="A5", outcome="offer",
              options_offered=["loan_modification"]),
        event("application_received", "2026-02-01", application_id="A6"),
        event("evaluation_decided", "2026-05-01", application_id="A6", outcome="denial", loan_modification_denied=True),
        event("appeal_received", "2026-05-10", application_id="A6"),
    )
    assert got == [("A6", "appeal", date(2026, 5, 10)), ("A5", "offer", date(2026, 7, 5)),
                   ("A4", "evaluated", date(2026, 7, 1)), ("A3", "complete", date(2026, 5, 20)),
                   ("A2", "incomplete", date(2026, 6, 3)), ("A1", "received", date(2026, 7, 1))]


def test_applications_leave_the_pipeline() -> None:
    got = _stages(
        # A denial whose 14-day appeal period has run.
        event("application_received", "2026-05-01", application_id="A1"),
        event("evaluation_decided", "2026-06-01", application_id="A1", outcome="denial"),
        # An accepted offer.
        event("application_received", "2026-05-01", application_id="A2"),
        event("evaluation_decided", "2026-07-01", application_id="A2", outcome="offer",
              options_offered=["forbearance"]),
        event("offer_accepted", "2026-07-02", application_id="A2", option="forbearance"),
        # A short-term option accepted on an incomplete application (1024.41(c)(2)(iii)).
        event("application_received", "2026-06-01", application_id="A3"),
        event("application_acknowledged", "2026-06-02", application_id="A3", complete=False),
        event("offer_accepted", "2026-06-05", application_id="A3", option="repayment_plan"),
    )
    assert got == []
    closed = _stages(event("application_received", "2026-07-01", application_id="A1"),
                     event("case_closed", "2026-07-05", reason="cured"))
    assert closed == []


def _app(stage: str, received: date, case: str = "C-1") -> ApplicationRecord:
    return ApplicationRecord(case, f"A-{received}", stage, received, received, "east-1", "S-1")


def test_pipeline_stages_and_ages() -> None:
    apps = [_app("complete", AS_OF - timedelta(days=d)) for d in (5, 35, 40, 95)] + [_app("received", AS_OF)]
    report = pipeline_report(apps, [], [], as_of=AS_OF)
    assert [s.stage for s in report.stages] == list(STAGES)
    complete = next(s for s in report.stages if s.stage == "complete")
    assert (complete.applications, complete.median_age_days, complete.oldest_age_days) == (4, 37.5, 95)
    assert complete.bands == (1, 2, 0, 1)
    empty = next(s for s in report.stages if s.stage == "appeal")
    assert (empty.applications, empty.median_age_days, empty.oldest_age_days) == (0, None, None)
    assert [a.stage for a in report.applications] == ["received", "complete", "complete", "complete", "complete"]


def test_pipeline_milestones_with_open_bars() -> None:
    def bar(rule: str, case: str, *, not_before: date | None = None, status: str = "open") -> ClockRecord:
        return ClockRecord(case, f"{rule}:{case}", rule, "bar", status, MON, not_before=not_before)

    cases = [CaseRecord("C-1", team="east-1", sale_date=AS_OF + timedelta(days=30)),
             CaseRecord("C-2", team="east-2"),
             CaseRecord("C-3", sale_date=AS_OF + timedelta(days=90)),
             CaseRecord("C-4", status="closed", sale_date=AS_OF + timedelta(days=10)),
             CaseRecord("C-5")]
    bars = [bar("fc_sale_bar_dual_tracking", "C-1"),
            bar("fc_120_day_bar", "C-2", not_before=AS_OF + timedelta(days=10)),
            bar("fc_referral_bar_complete_app", "C-2"),
            bar("fc_120_day_bar", "C-5", not_before=AS_OF),  # lifted today: no longer in force
            bar("fc_referral_bar_complete_app", "C-5", status="met")]
    report = pipeline_report([], cases, bars, as_of=AS_OF)
    assert [(m.case_id, m.milestone, m.days_away, m.open_bars) for m in report.milestones] == [
        ("C-2", "120_day_bar_lifts", 10, ("fc_120_day_bar", "fc_referral_bar_complete_app")),
        ("C-1", "sale", 30, ("fc_sale_bar_dual_tracking",)),
    ]
    assert report.to_json()["milestones"][0]["on"] == "2026-07-20"  # type: ignore[index]


# --- from events (the log-based path) ------------------------------------------------------------------------

def test_case_inputs_carry_the_assignment_into_every_record() -> None:
    raw = casefile(
        event("case_assigned", "2026-06-01", team="east-2", staff_id="S-9", manager_id="M-2"),
        event("application_received", "2026-06-15", application_id="A1"),
        # Due Tue 06-23: 5 business days with Juneteenth (Fri 06-19, 5 U.S.C. 6103(a)) left out.
        event("application_acknowledged", "2026-06-24", application_id="A1", complete=False),
        as_of="2026-07-10")
    parsed = parse_casefile(raw, default_as_of=AS_OF)
    found = case_inputs(parsed.case_id, parsed.profile, parsed.events, calendar_for("us-6103a"), as_of=AS_OF)
    assert (found.case.team, found.case.staff_id, found.case.status) == ("east-2", "S-9", "open")
    ack = next(c for c in found.clocks if c.rule == "lm_ack_notice")
    assert (ack.team, ack.staff_id, ack.due, outcome(ack, as_of=AS_OF)) == ("east-2", "S-9", date(2026, 6, 23),
                                                                             "met_late")
    assert [(a.application_id, a.stage) for a in found.applications] == [("A1", "incomplete")]
    report = timeliness_report(found.clocks, PERIOD, as_of=AS_OF)
    ack_row = next(r for r in report.by_rule if r.rule == "lm_ack_notice")
    assert (ack_row.met_late, ack_row.median_used) == (1, pytest.approx(6 / 5))


# --- the remaining shapes and edges ---------------------------------------------------------------------------

def test_contact_report_json() -> None:
    checks = [check("contact_inconvenient_time", "C-2", "b", status="breached", finding="07:00", team="west-1")]
    body: dict[str, Any] = contact_report(checks, PERIOD, as_of=AS_OF).to_json()
    assert body["by_rule"] == [{"rule": "contact_inconvenient_time", "citation": "12 CFR 1006.6(b)(1)(i)",
                                "judged": 1, "violations": 1, "outside_regf_scope": 0}]
    assert body["total"]["forbidden_hours"] == 1 and body["by_team"][0]["team"] == "west-1"
    assert body["findings"] == [{"case_id": "C-2", "contact_event_id": "b", "rule": "contact_inconvenient_time",
                                 "on": "2026-07-01", "team": "west-1", "staff_id": None, "status": "breached",
                                 "flags": [], "finding": "07:00"}]


def test_pipeline_json_and_table() -> None:
    app = ApplicationRecord("C-1", "A1", "offer", date(2026, 7, 5), date(2026, 6, 1), "east-1", "S-1")
    case = CaseRecord("C-1", team="east-1", staff_id="S-1", sale_date=date(2026, 8, 1))
    report = pipeline_report([app], [case], [], as_of=AS_OF)
    assert report.to_json()["applications"] == [{  # type: ignore[comparison-overlap]
        "case_id": "C-1", "application_id": "A1", "stage": "offer", "stage_on": "2026-07-05",
        "received_on": "2026-06-01", "age_days": 39, "days_in_stage": 5, "team": "east-1", "staff_id": "S-1"}]
    rows = list(csv.reader(io.StringIO(report.table().to_csv())))
    assert rows[0][:2] == ["group", "stage"] and [r[0] for r in rows[1:]] == ["stage"] * 7 + ["milestone"]
    assert rows[-1][-7:] == ["C-1", "east-1", "S-1", "sale", "2026-08-01", "22", ""]


def test_improvements_table_and_trend_json() -> None:
    records = [*_evaluations(PERIOD, team="x", count=5, breaches=2), *_evaluations(PERIOD.previous(), team="x",
                                                                                   count=5, breaches=0)]
    table = improvements_report(records, PERIOD, as_of=AS_OF).table()
    assert [row[:2] for row in table.rows] == [("rule", "lm_evaluate"), ("team", "x")]
    assert table.rows[0][8] == 40 and str(table.rows[0][-1]).startswith("lm_evaluate: breach rate 40% vs 0%")
    point = breach_trend(records, Period(date(2026, 7, 4), AS_OF), as_of=AS_OF)[0]
    assert point.to_json() == {"from": "2026-07-04", "to": "2026-07-10", "group": "total", "team": None,
                               "judged": point.judged, "breaches": point.breaches,
                               "breach_rate": None if point.breach_rate is None else round(point.breach_rate, 4)}


def test_more_application_stages() -> None:
    got = _stages(
        event("application_received", "2026-05-01", application_id="A1"),
        event("application_completed", "2026-05-10", application_id="A1"),
        event("additional_information_requested", "2026-05-12", application_id="A1"),
        event("application_received", "2026-05-01", application_id="A2"),
        event("evaluation_decided", "2026-05-20", application_id="A2", outcome="denial", loan_modification_denied=True),
        event("appeal_received", "2026-05-25", application_id="A2"),
        event("appeal_decided", "2026-07-01", application_id="A2", outcome="reversed"),
        event("application_received", "2026-05-01", application_id="A3"),
        event("evaluation_decided", "2026-05-20", application_id="A3", outcome="denial", loan_modification_denied=True),
        event("appeal_received", "2026-05-25", application_id="A3"),
        event("appeal_decided", "2026-06-20", application_id="A3", outcome="upheld"),
        event("application_received", "2026-06-01", application_id="A4"),
        event("application_acknowledged", "2026-06-02", application_id="A4", complete=True),
        event("application_documents_received", "2026-06-09", application_id="A4", items=["tax return"]),
    )
    assert got == [("A1", "incomplete", date(2026, 5, 12)), ("A2", "offer", date(2026, 7, 1)),
                   ("A4", "acknowledged", date(2026, 6, 2))]


def test_case_applications_fold_without_the_engine() -> None:
    raw = casefile(event("application_received", "2026-07-01", application_id="A1"), as_of="2026-07-10")
    parsed = parse_casefile(raw, default_as_of=AS_OF)
    found = case_applications(parsed.case_id, parsed.profile, parsed.events, calendar_for("us-6103a"), as_of=AS_OF)
    assert [(a.application_id, a.stage, a.team) for a in found] == [("A1", "received", None)]


def test_edges() -> None:
    same_day = deadline("noe_response", trigger_on=date(2026, 7, 1), due=date(2026, 7, 1), met_on=date(2026, 7, 1))
    assert days_used(same_day) is None  # nothing was allowed: no share to state
    with pytest.raises(ValueError, match="between 1 and 99"):
        percentile([1.0, 2.0], 100)

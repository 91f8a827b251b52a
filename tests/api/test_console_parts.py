"""The console's pieces on their own: the session seal, the board's buckets, the timeline layout, inputs."""

from __future__ import annotations

from datetime import date
from typing import Any
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi import FastAPI

from api.case_clocks import stored_timeline
from api.web.board import CaseMemo, bucket_of
from api.web.case_story import case_story
from api.web.edge import api_target, is_console_path, rewritten
from api.web.routes.audit import as_utc
from api.web.routes.signin import safe_next
from api.web.session import LIFETIME_SECONDS, Session, SessionCodec, cookie_value
from api.web.timeline import anchor_of, build_timeline
from audit.reads import case_events
from tests.api.test_console_seed import FEATURED_ID, seeded  # noqa: F401 - fixture

ZONE = ZoneInfo("America/New_York")
AS_OF = date(2026, 7, 10)


def _clock(rule: str, status: str, *, kind: str = "deadline", on: str = "2026-06-22", **dates: Any) -> dict[str, Any]:
    return {"id": f"{rule}:{on}", "rule": rule, "citation": "12 CFR 1024.41", "kind": kind, "status": status,
            "trigger": {"event_id": f"e-{rule}", "type": "application_received", "on": on, "at": None},
            "met_by": None, "met_on": None, "calendar": "us-6103a", "derivation": [], "alternatives": [], **dates}


def _event(version: int, kind: str, occurred_at: str, **data: Any) -> dict[str, Any]:
    return {"id": f"ev-{version}", "version": version, "type": kind, "occurred_at": occurred_at,
            "recorded_at": "2026-07-10T15:00:00.000000Z", "actor": {"id": "S-1", "role": "specialist"}, "data": data}


# --- the session seal ------------------------------------------------------------------------------------------


def test_a_sealed_session_opens_back_and_hides_the_secret() -> None:
    codec = SessionCodec(Ed25519PrivateKey.generate())
    sealed = codec.seal(Session(csrf="c", secret="the-bearer-secret"))
    assert "the-bearer-secret" not in sealed
    assert codec.open(sealed) == Session(csrf="c", secret="the-bearer-secret")


def test_another_key_or_a_flipped_byte_opens_nothing() -> None:
    key = Ed25519PrivateKey.generate()
    sealed = SessionCodec(key).seal(Session(csrf="c", secret="s"))
    assert SessionCodec(Ed25519PrivateKey.generate()).open(sealed) is None
    flipped = sealed[:20] + ("A" if sealed[20] != "A" else "B") + sealed[21:]
    assert SessionCodec(key).open(flipped) is None
    assert SessionCodec(key).open("") is None and SessionCodec(key).open("not a token") is None


def test_a_session_older_than_its_lifetime_opens_nothing() -> None:
    codec = SessionCodec(Ed25519PrivateKey.generate())
    with mock.patch("time.time", return_value=1_800_000_000):
        sealed = codec.seal(Session(csrf="c"))
    with mock.patch("time.time", return_value=1_800_000_000 + LIFETIME_SECONDS + 61):
        assert codec.open(sealed) is None
    with mock.patch("time.time", return_value=1_800_000_000 + LIFETIME_SECONDS - 60):
        assert codec.open(sealed) == Session(csrf="c")


def test_signing_in_rotates_the_csrf_secret() -> None:
    before = Session(csrf="anonymous-csrf")
    after = before.signed_in_as("secret")
    assert after.secret == "secret" and after.csrf != before.csrf
    assert after.csrf_matches(after.csrf) and not after.csrf_matches(before.csrf) and not after.csrf_matches(None)


def test_the_cookie_is_found_among_others_and_garbage_is_no_cookie() -> None:
    assert cookie_value("a=1; console_session=abc; b=2") == "abc"
    assert cookie_value("a=1") is None and cookie_value(None) is None and cookie_value('"\x00;;=') is None


# --- the board ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("status", "due", "met_on", "expected"), [
    ("breached", "2026-06-29", None, "overdue"),
    ("breached", "2026-06-29", "2026-07-01", None),  # met late: settled, not outstanding
    ("open", "2026-07-10", None, "today"),
    ("open", "2026-07-17", None, "soon"),
    ("open", "2026-07-20", None, None),  # past the horizon
    ("met", "2026-07-01", "2026-06-30", None),
])
def test_a_deadline_lands_in_its_bucket(status: str, due: str, met_on: str | None, expected: str | None) -> None:
    clock = _clock("noe_ack", status, due=due, met_on=met_on)
    assert bucket_of(clock, as_of=AS_OF, soon_until=date(2026, 7, 17)) == expected


def test_windows_bars_and_checks_are_not_on_the_board() -> None:
    for kind in ("window", "bar", "check"):
        assert bucket_of(_clock("x", "open", kind=kind, due="2026-07-10"), as_of=AS_OF, soon_until=AS_OF) is None


# --- the case story and the timeline -----------------------------------------------------------------------------


def test_a_correction_is_shown_beside_the_entry_it_replaces() -> None:
    events = [
        _event(1, "error_notice_received", "2026-06-01", request_id="R1", category="other"),
        _event(2, "entry_corrected", "2026-06-03", corrects="ev-1", reason="misread",
               replacement={"occurred_at": "2026-06-02", "data": {"category": "payoff"}}),
        _event(3, "entry_voided", "2026-06-04", voids="ev-1", reason="duplicate"),
    ]
    story = case_story(events, [], zone=ZONE)
    assert story.events[0].corrected_by == [2] and story.events[0].voided_by == [3]
    fix, void = story.corrections
    assert [(c.field, c.before, c.after) for c in fix.changes] == [
        ("occurred_at", "2026-06-01", "2026-06-02"), ("category", "other", "payoff")]
    assert void.voids and void.reason == "duplicate" and void.original is events[0]


def test_a_contact_carries_the_findings_of_its_checks() -> None:
    contact = _event(1, "contact_logged", "2026-06-23T21:40:00-04:00", channel="phone")
    breached = _clock("contact_inconvenient_time", "breached", kind="check") | {
        "trigger": {"event_id": "ev-1", "type": "contact_logged", "on": "2026-06-23", "at": None}, "finding": "late"}
    ignored = _clock("regf_call_frequency", "not_applicable", kind="check") | {
        "trigger": {"event_id": "ev-1", "type": "contact_logged", "on": "2026-06-23", "at": None}}
    (view,) = case_story([contact], [breached, ignored], zone=ZONE).contacts
    assert view.findings == (breached,) and view.checks == (breached,)


def test_the_legal_date_of_a_late_evening_timestamp_is_the_case_zones_day() -> None:
    (view,) = case_story([_event(1, "contact_logged", "2026-06-24T01:30:00+00:00")], [], zone=ZONE).events
    assert view.on == date(2026, 6, 23)


def test_the_timeline_draws_spans_marks_the_breach_and_skips_what_does_not_apply() -> None:
    events = case_story([_event(1, "application_received", "2026-06-22")], [], zone=ZONE).events
    clocks = [
        _clock("lm_ack_notice", "breached", due="2026-06-29"),
        _clock("lm_evaluate", "met", due="2026-07-22", met_on="2026-07-01"),
        _clock("lm_complete_notice", "not_applicable", due=None),
        _clock("regf_call_frequency", "met", kind="check"),
    ]
    drawing = build_timeline(events, clocks, as_of=AS_OF)
    assert [lane.rule for lane in drawing.lanes] == ["lm_ack_notice", "lm_evaluate"]
    breach, met = drawing.lanes
    assert breach.breach_x == breach.x2 and breach.met_x is None and met.breach_x is None
    assert breach.x1 < breach.x2 < drawing.as_of_x < met.x2 and met.x1 < met.met_x < met.x2  # type: ignore[operator]
    assert breach.anchor == anchor_of(clocks[0]["id"]) and len(drawing.points) == 1
    assert all(drawing.gutter <= x <= drawing.axis_end for x in (breach.x1, met.x2, drawing.as_of_x))


def test_anchors_are_stable_and_safe_in_a_url() -> None:
    assert anchor_of("lm_ack_notice:ev/1 #x") == anchor_of("lm_ack_notice:ev/1 #x")
    assert anchor_of("a") != anchor_of("b") and anchor_of("a").replace("-", "").isalnum()


# --- inputs ----------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("target", "expected"), [
    (None, "/console/"), ("/console/board?team=east-1", "/console/board?team=east-1"), ("/console", "/console"),
    ("https://evil.example/console/", "/console/"), ("//evil.example/console/", "/console/"),
    ("/v1/cases", "/console/"), ("/consolex", "/console/"), ("/console/\\evil", "/console/"),
])
def test_only_console_paths_are_followed_after_sign_in(target: str | None, expected: str) -> None:
    assert safe_next(target) == expected


def test_datetime_local_fields_are_read_as_utc() -> None:
    assert as_utc({"recorded_from": "2026-07-01T09:30", "recorded_to": "2026-07-01T09:30:15", "actor": "x"}) == {
        "recorded_from": "2026-07-01T09:30:00+00:00", "recorded_to": "2026-07-01T09:30:15+00:00", "actor": "x"}
    assert as_utc({"recorded_from": "2026-07-01T09:30:00-04:00"}) == {"recorded_from": "2026-07-01T09:30:00-04:00"}


def _target(path: str, method: str = "GET") -> str | None:
    found = api_target({"path": path, "method": method})
    return found[0] if found else None


def test_console_paths_and_the_api_downloads_they_stand_for() -> None:
    assert is_console_path("/console") and is_console_path("/console/board")
    assert not is_console_path("/consoles") and not is_console_path("/v1/console")
    assert _target("/console/cases/C-1/export") == "/v1/cases/C-1/export"
    assert _target("/console/reports/timeliness/chart.svg") == "/v1/reports/timeliness/chart.svg"
    assert _target("/console/reports/timeliness.csv") == "/v1/reports/timeliness"
    assert _target("/console/cases/C-1/export", "POST") is None
    assert _target("/console/cases/C-1/export/x") is None and _target("/console/reports/x/chart.exe") is None


def test_a_csv_download_asks_the_api_for_csv() -> None:
    scope = {"path": "/console/reports/contacts.csv", "method": "GET", "headers": [(b"accept", b"text/html")]}
    target, passthrough = api_target(scope)  # type: ignore[misc]
    moved = rewritten(scope, target, passthrough)
    assert moved["path"] == "/v1/reports/contacts" and moved["headers"] == [(b"accept", b"text/csv")]


def test_the_board_memo_recomputes_only_a_case_that_moved(seeded: tuple[FastAPI, dict[str, str]]) -> None:  # noqa: F811
    app, _ = seeded
    stored = case_events(app.state.engine, FEATURED_ID)
    memo = CaseMemo(size=2)
    first = memo.fold(stored, as_of=AS_OF, calendar="us-6103a")
    assert memo.fold(stored, as_of=AS_OF, calendar="us-6103a") is first
    assert memo.fold(stored[:-1], as_of=AS_OF, calendar="us-6103a") is not first  # an earlier version
    assert memo.fold(stored, as_of=date(2026, 7, 13), calendar="us-6103a")[1]["as_of"] == "2026-07-13"
    assert memo.fold(stored, as_of=AS_OF, calendar="us-6103a") is not first  # evicted: the memo holds two
    assert first[1] == stored_timeline(stored, as_of=AS_OF, calendar="us-6103a")

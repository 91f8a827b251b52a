"""The material an export is built from: a rich case through the real write path (builders shared by the
test_export_* modules), and what the export derives from it (breaches, acknowledgements, corrections)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import Engine

from audit.database import make_engine
from audit.export.case_material import gather_case
from audit.export.case_record import build_record
from audit.export.redaction import Redactor
from audit.migrate import upgrade
from audit.reads import case_events
from audit.signing import load_or_create_key
from audit.store import Actor, append
from compliance.alerting import alert_id

NOW = datetime(2026, 7, 10, 15, 0, tzinfo=UTC)
SPECIALIST, MANAGER, SYSTEM = Actor("s-17", "specialist"), Actor("m-1", "manager"), Actor("system", "system")
EXAMINER = Actor("examiner-1", "examiner")
BORROWER_REF = "B-SECRET-0001"
SUMMARY = "Borrower said the roof leaks at 14 Elm Street"
NOTE = "Spoke with the borrower's daughter about the hardship"
CORRECTION_REASON = "Acknowledgment was mailed on June 5; the date was keyed wrong"
VOID_REASON = "Duplicate dialer record"
SECRETS = (BORROWER_REF, SUMMARY, NOTE, CORRECTION_REASON, VOID_REASON)


def event(kind: str, occurred_at: str, **data: Any) -> dict[str, Any]:
    """One event as appended (type, occurred_at, data)."""
    return {"type": kind, "occurred_at": occurred_at, "data": data}


def contact(at: str, outcome: str, summary: str | None = None) -> dict[str, Any]:
    """An outbound phone call to the borrower."""
    extra = {"summary": summary} if summary else {}
    return event("contact_logged", at, channel="phone", direction="outbound", outcome=outcome, party="borrower",
                 staff_id="s-17", **extra)


@dataclass
class Log:
    """A small log: the rich case C-1 interleaved with a plain case C-2 (so C-1's prev_hash crosses cases)."""

    engine: Engine
    key: Ed25519PrivateKey
    ids: dict[str, str]


class Recorder:
    """Appends through audit.store.append with strictly increasing recorded times."""

    def __init__(self, engine: Engine) -> None:
        self.engine, self.versions, self.clock = engine, {}, NOW - timedelta(days=200)
        self.ids: dict[str, str] = {}

    def add(self, case_id: str, body: dict[str, Any], *, name: str | None = None, actor: Actor = SPECIALIST,
            at: datetime | None = None) -> str:
        self.clock = max(self.clock + timedelta(minutes=1), at or _recorded(body["occurred_at"]))
        version = self.versions.get(case_id, 0)
        result = append(self.engine, case_id, [body], expected_version=version, actor=actor, now=self.clock)
        self.versions[case_id] = version + 1
        if name:
            self.ids[name] = result.events[0].id
        return result.events[0].id


def _recorded(occurred_at: str) -> datetime:
    """A plausible recording time: the evening (UTC) of a plain date, or an hour after a timestamp."""
    if len(occurred_at) == 10:
        return datetime.fromisoformat(occurred_at).replace(tzinfo=UTC) + timedelta(hours=20)
    return datetime.fromisoformat(occurred_at).astimezone(UTC) + timedelta(hours=1)


def build_log(engine: Engine, key: Ed25519PrivateKey, *, extra_cases: int = 0) -> Log:
    """Record the fixture cases (and `extra_cases` plain ones) and return the log."""
    r = Recorder(engine)
    r.add("C-1", event("case_opened", "2026-01-02", loan_id="L-1", borrower_ref=BORROWER_REF, property_state="NY",
                       fdcpa_debt_collector=True))
    r.add("C-2", event("case_opened", "2026-01-03", loan_id="L-2", borrower_ref="B-OTHER-2", property_state="CA"))
    r.add("C-1", event("case_assigned", "2026-01-05", team="east", staff_id="s-17", manager_id="m-1"))
    r.add("C-1", event("payment_missed", "2026-02-01", due_date="2026-02-01"), name="missed")
    r.add("C-2", contact("2026-03-01T12:00:00-08:00", "live_contact", "C-2 private call notes"))
    r.add("C-1", contact("2026-03-02T07:30:00-05:00", "live_contact", SUMMARY))
    r.add("C-1", contact("2026-03-04T10:30:00-05:00", "no_answer"), name="dup_call")
    r.add("C-1", event("application_received", "2026-06-01", application_id="A1"))
    r.add("C-1", event("application_acknowledged", "2026-06-12", application_id="A1", complete=False,
                       missing_items=["pay stubs"], return_by="2026-07-01"), name="ack")
    r.add("C-1", event("note_added", "2026-06-15", text=NOTE))
    r.add("C-1", event("entry_corrected", "2026-06-16", corrects=r.ids["ack"], reason=CORRECTION_REASON,
                       replacement={"occurred_at": "2026-06-05"}))
    r.add("C-1", event("entry_voided", "2026-06-16", voids=r.ids["dup_call"], reason=VOID_REASON))
    due = "2026-03-18"
    clock = f"ei_written_notice:{r.ids['missed']}"
    r.add("C-1", event("deadline_breached", "2026-06-20T12:00:00+00:00", clock_id=clock, rule="ei_written_notice",
                       due=due), actor=SYSTEM, name="breach")
    r.add("C-1", event("alert_acknowledged", "2026-06-21T12:00:00+00:00",
                       alert_id=alert_id(clock, "breached", date.fromisoformat(due))),
          actor=MANAGER, name="alert_ack")
    for number in range(extra_cases):
        r.add(f"X-{number:05d}", event("case_opened", "2026-06-25", loan_id=f"LX-{number}", borrower_ref=f"BX-{number}",
                                       property_state="TX"))
    return Log(engine, key, r.ids)


@contextmanager
def fresh_log(folder: Path) -> Iterator[Log]:
    """A fresh SQLite log in `folder` holding the fixture cases, and a signing key."""
    engine = make_engine(f"sqlite:///{(folder / 'log.db').as_posix()}")
    upgrade(engine)
    try:
        yield build_log(engine, load_or_create_key(folder / "key.pem"))
    finally:
        engine.dispose()


@pytest.fixture
def export_log(tmp_path: Path) -> Iterator[Log]:
    """The fixture log (each test module that needs it defines this same fixture)."""
    with fresh_log(tmp_path) as log:
        yield log


def test_a_recorded_breach_shows_when_it_was_detected_and_who_acknowledged_it(export_log: Log) -> None:
    material = gather_case(case_events(export_log.engine, "C-1"), now=NOW, calendar="us-6103a")
    [breach] = material.breaches
    assert breach.rule == "ei_written_notice" and breach.due == "2026-03-18"
    assert breach.detected_by == "system" and breach.detected_at.startswith("2026-06-20")
    assert breach.acknowledged_by == "m-1" and breach.acknowledged_at.startswith("2026-06-21")
    record = build_record(material, None)
    [clock] = [c for c in record.clocks if c["rule"] == "ei_written_notice"]
    assert [b["event_id"] for b in clock["breaches"]] == [export_log.ids["breach"]]


def test_corrections_and_voids_are_shown_beside_the_original_entry(export_log: Log) -> None:
    material = gather_case(case_events(export_log.engine, "C-1"), now=NOW, calendar="us-6103a")
    fixes = {fix["kind"]: fix for fix in build_record(material, None).corrections}
    assert fixes["correction"]["original"]["event_id"] == export_log.ids["ack"]
    assert fixes["correction"]["original"]["occurred_at"] == "2026-06-12"
    assert fixes["correction"]["replacement"] == {"occurred_at": "2026-06-05", "data": None}
    assert fixes["void"]["original"]["event_id"] == export_log.ids["dup_call"]
    # The correction is honoured: the acknowledgement now counts from June 5 and meets the 5-day deadline.
    [ack_clock] = [c for c in material.clocks if c.rule == "lm_ack_notice"]
    assert ack_clock.status == "met" and ack_clock.met_on == date(2026, 6, 5)


def test_contacts_carry_regulation_f_counters_and_findings(export_log: Log) -> None:
    material = gather_case(case_events(export_log.engine, "C-1"), now=NOW, calendar="us-6103a")
    [early] = build_record(material, None).contacts  # the voided call is no longer a contact
    assert early["borrower_local"] == "2026-03-02T07:30:00-05:00" and early["calls_in_7_days"] == 1
    assert "contact_inconvenient_time" in early["findings"] and early["regf_applies"] is True


def test_redaction_replaces_every_sensitive_value_with_a_stable_pseudonym(export_log: Log) -> None:
    material = gather_case(case_events(export_log.engine, "C-1"), now=NOW, calendar="us-6103a")
    redactor = Redactor.fresh(b"k" * 32)
    text = repr(build_record(material, redactor))
    assert not [secret for secret in SECRETS if secret in text]
    assert redactor.pseudonym("borrower_ref", BORROWER_REF) in text
    assert {w["pointer"] for w in redactor.withheld} == {"/data/borrower_ref", "/data/summary", "/data/text",
                                                        "/data/reason"}
    assert Redactor.fresh(b"k" * 32).pseudonym("summary", SUMMARY) == redactor.pseudonym("summary", SUMMARY)
    assert Redactor.fresh(b"j" * 32).pseudonym("summary", SUMMARY) != redactor.pseudonym("summary", SUMMARY)

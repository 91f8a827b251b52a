"""The console tests' portfolio: a featured case with known clocks, beside a slice of the demo portfolio.

Seeded through the real write path (audit.importer -> audit.store.append, with the projection hook), then one
monitoring scan at NOW raises the alerts. `served_app` is the factory the browser tests hand to uvicorn.
The tests here pin what the console tests rely on, so a change in the rules shows up here first.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI

from api.alert_jobs import projecting_policy
from api.app import create_app
from api.settings import Settings
from audit.alerts import list_alerts
from audit.importer import import_case
from audit.monitoring import scan
from audit.scans import MonitoringPolicy
from audit.store import Actor
from audit.tokens import TokenRequest, issue_token
from compliance.portfolio import generate_portfolio
from tests.api.support import NOW

FEATURED_ID = "C-1001"
NOTICE_ID = "3f0c1a52-1111-4c1e-9d6e-000000000001"
DEMO_CASES = 24
CLOCK_ENV = "CONSOLE_TEST_NOW"  # the fixed instant the served app's clock reads


def _contact(at: str, outcome: str = "live_contact") -> dict[str, Any]:
    data = {"channel": "phone", "direction": "outbound", "outcome": outcome, "party": "borrower", "staff_id": "S-1001"}
    return {"type": "contact_logged", "occurred_at": at, "data": data}


# A NY loan bought in default (a debt collector under the FDCPA, so Regulation F applies): an unacknowledged
# loss-mitigation application (lm_ack_notice breached on 2026-06-29), an error notice whose receipt date was
# corrected, a call at 21:40 and a call two days after a conversation (two Regulation F findings), an
# information request whose acknowledgment is due today (2026-07-10), and a notice-of-error response due soon.
FEATURED: dict[str, Any] = {
    "case": {"id": FEATURED_ID, "loan_id": "L-5550001", "borrower_ref": "B-000777", "property_state": "NY",
             "timezone": "America/New_York", "fdcpa_debt_collector": True, "investor": "fannie_mae"},
    "as_of": "2026-07-10",
    "events": [
        {"type": "case_assigned", "occurred_at": "2026-04-02",
         "data": {"team": "east-1", "staff_id": "S-1001", "manager_id": "M-101"}},
        {"type": "payment_missed", "occurred_at": "2026-04-01", "data": {"due_date": "2026-04-01"}},
        _contact("2026-05-05T10:15:00-04:00"),
        {"type": "early_intervention_notice_sent", "occurred_at": "2026-05-08", "data": {}},
        {"id": NOTICE_ID, "type": "error_notice_received", "occurred_at": "2026-06-01",
         "data": {"request_id": "R1", "category": "other"}},
        {"type": "entry_corrected", "occurred_at": "2026-06-03",
         "data": {"corrects": NOTICE_ID, "reason": "date stamp misread at intake",
                  "replacement": {"occurred_at": "2026-06-02"}}},
        {"type": "error_notice_acknowledged", "occurred_at": "2026-06-05", "data": {"request_id": "R1"}},
        {"type": "application_received", "occurred_at": "2026-06-22", "data": {"application_id": "A1"}},
        _contact("2026-06-23T21:40:00-04:00"),
        _contact("2026-06-25T11:00:00-04:00", outcome="no_answer"),
        {"type": "information_request_received", "occurred_at": "2026-07-03",
         "data": {"request_id": "Q1", "category": "other"}},
    ],
}
# A second team's case: what team-scoped tokens of east-1 must never see.
OTHER_TEAM: dict[str, Any] = {
    "case": {"id": "C-2002", "loan_id": "L-5550002", "borrower_ref": "B-000778", "property_state": "TX",
             "timezone": "America/Chicago"},
    "as_of": "2026-07-10",
    "events": [
        {"type": "case_assigned", "occurred_at": "2026-06-01",
         "data": {"team": "central-1", "staff_id": "S-2001", "manager_id": "M-201"}},
        {"type": "application_received", "occurred_at": "2026-06-15", "data": {"application_id": "A9"}},
    ],
}
TOKENS = {
    "manager": TokenRequest("mgr-east", "manager", team="east-1"),
    "specialist": TokenRequest("spec-east", "specialist", team="east-1"),
    "officer": TokenRequest("officer-1", "compliance_officer"),
    "examiner": TokenRequest("examiner-1", "examiner", cases=(FEATURED_ID,)),
    "admin": TokenRequest("admin-1", "admin"),
}


def console_settings(folder: Path, **overrides: Any) -> Settings:
    """Settings on a SQLite file in `folder`; no scheduler (the seed runs the one scan), no rate limit."""
    values: dict[str, Any] = {
        "data_dir": folder, "database_url": f"sqlite:///{(folder / 'console.db').as_posix()}",
        "alert_channels": ["log"], "log_format": "json", "rate_limit_per_second": 0.0, "scheduler_enabled": False,
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


def seed(app: FastAPI) -> dict[str, str]:
    """Board the featured, other-team and demo cases, run one monitoring scan at NOW; token secrets by role."""
    engine, settings = app.state.engine, app.state.settings
    policy = projecting_policy(settings)
    files = [FEATURED, OTHER_TEAM, *generate_portfolio(DEMO_CASES, seed=11, today=NOW.date())]
    for case_file in files:
        outcome = import_case(engine, case_file, source="console-seed", actor=Actor(id="seed", role="admin"),
                              now=NOW, policy=policy)
        assert outcome.status == "imported", outcome.describe()
    scan(engine, now=NOW, policy=MonitoringPolicy(append=policy))
    return {role: issue_token(engine, grant, now=NOW)[0] for role, grant in TOKENS.items()}


def served_app() -> FastAPI:
    """uvicorn --factory entry point: the service on COMPLIANCE_* settings, its clock fixed at $CONSOLE_TEST_NOW."""
    instant = datetime.fromisoformat(os.environ[CLOCK_ENV])
    return create_app(Settings(_env_file=None), clock=lambda: instant)  # type: ignore[call-arg]


@pytest.fixture
def seeded(tmp_path: Path) -> Iterator[tuple[FastAPI, dict[str, str]]]:
    """A seeded app (not served) and its tokens."""
    app = create_app(console_settings(tmp_path), clock=lambda: NOW)
    yield app, seed(app)
    app.state.engine.dispose()


def test_the_featured_case_has_a_recorded_breach_with_an_open_alert(seeded: tuple[FastAPI, dict[str, str]]) -> None:
    app, _ = seeded
    alerts = [a for a in list_alerts(app.state.engine, limit=1000) if a.case_id == FEATURED_ID]
    found = sorted((a.rule, a.level, a.state, a.team) for a in alerts)
    # The breach of 2026-06-29, and the reminder of the information request's acknowledgment due today.
    assert found == [("lm_ack_notice", "breached", "open", "east-1"), ("rfi_ack", "approaching", "open", "east-1")]


def test_the_demo_slice_is_spread_over_several_teams(seeded: tuple[FastAPI, dict[str, str]]) -> None:
    app, _ = seeded
    teams = {a.team for a in list_alerts(app.state.engine, limit=1000)}
    assert len(teams) >= 2

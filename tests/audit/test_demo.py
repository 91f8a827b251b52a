"""Seeding the demo portfolio through the real store: every event written, nothing twice, the chain intact."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import Engine, func, select

from audit.database import make_engine
from audit.demo import DEMO_ACTOR, seed_demo
from audit.migrate import upgrade
from audit.reads import case_ids
from audit.schema import events
from audit.signing import public_key_pem
from audit.verify import verify_log
from compliance.portfolio import generate_portfolio

NOW = datetime(2026, 7, 10, 15, 0, tzinfo=UTC)
TODAY = NOW.date()
CASES, SEED = 30, 7


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    """A fresh, migrated SQLite file database."""
    engine = make_engine(f"sqlite:///{(tmp_path / 'demo.db').as_posix()}")
    upgrade(engine)
    yield engine
    engine.dispose()


def _stored(engine: Engine) -> tuple[int, set[str]]:
    with engine.connect() as conn:
        count = conn.execute(select(func.count()).select_from(events)).scalar_one()
        actors = set(conn.scalars(select(events.c.actor_id).distinct()))
    return count, actors


def test_seeding_writes_every_event_of_every_case(engine: Engine) -> None:
    files = list(generate_portfolio(CASES, seed=SEED, today=TODAY))
    report = seed_demo(engine, cases=CASES, seed=SEED, today=TODAY, now=NOW)
    expected = sum(len(f["events"]) + 1 for f in files)  # + the case_opened made from each case object
    assert (report.imported, report.existing, report.rejected) == (CASES, 0, ())
    assert report.events == expected
    assert _stored(engine) == (expected, {DEMO_ACTOR.id})
    assert case_ids(engine) == [f["case"]["id"] for f in files]
    # No checkpoint is signed here, so any key will do: the chain itself is what is checked.
    assert verify_log(engine, public_key_pem(Ed25519PrivateKey.generate())).ok


def test_seeding_twice_adds_nothing(engine: Engine) -> None:
    first = seed_demo(engine, cases=CASES, seed=SEED, today=TODAY, now=NOW)
    before = _stored(engine)
    again = seed_demo(engine, cases=CASES, seed=SEED, today=TODAY, now=NOW + timedelta(minutes=5))
    assert (again.imported, again.existing, again.events) == (0, CASES, 0)
    assert _stored(engine) == before
    assert again.clocks == first.clocks


def test_seeding_again_on_a_later_day_leaves_existing_cases_alone(engine: Engine) -> None:
    seed_demo(engine, cases=10, seed=SEED, today=TODAY, now=NOW)
    later = seed_demo(engine, cases=12, seed=SEED, today=TODAY + timedelta(days=3), now=NOW + timedelta(days=3))
    assert (later.imported, later.existing, later.rejected) == (2, 10, ())
    assert len(case_ids(engine)) == 12


def test_report_counts_clocks_by_status(engine: Engine) -> None:
    report = seed_demo(engine, cases=CASES, seed=SEED, today=TODAY, now=NOW)
    assert {"open", "met", "breached"} <= set(report.clocks)
    assert report.lines()[0].startswith(f"demo portfolio: {CASES} cases ({CASES} imported")

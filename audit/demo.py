"""Seeding the demo portfolio through the one write path (audit.importer -> audit.store.append), idempotently."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import Connection, Engine

from audit.importer import import_case
from audit.reads import case_events, case_version, to_case_events
from audit.store import Actor, AppendPolicy
from compliance.engine import compute_clocks
from compliance.evaluation import Readings
from compliance.events import CaseOpened
from compliance.portfolio import generate_portfolio
from timelines.calendar import calendar_for

# Who the log says recorded the demo cases (an admin import, like `compliance import`).
DEMO_ACTOR = Actor(id="demo-loader", role="admin")
STATUSES = ("open", "met", "breached", "cancelled", "not_applicable")


@dataclass(frozen=True)
class DemoReport:
    """What one seeding did: cases generated, newly imported, already present, refused; events written; clocks."""

    cases: int
    imported: int
    existing: int
    rejected: tuple[str, ...]
    events: int
    as_of: date
    clocks: Mapping[str, int] = field(default_factory=dict)

    def lines(self) -> list[str]:
        """A short human summary (ids and counts only, never payload values)."""
        clocks = ", ".join(f"{status} {self.clocks.get(status, 0)}" for status in STATUSES)
        return [
            f"demo portfolio: {self.cases} cases ({self.imported} imported, {self.existing} already present, "
            f"{len(self.rejected)} rejected)",
            f"events written: {self.events}",
            f"clocks as of {self.as_of}: {sum(self.clocks.values())} ({clocks})",
            *self.rejected,
        ]


def seed_demo(
    engine: Engine | Connection, *, cases: int, seed: int, today: date, now: datetime,
    policy: AppendPolicy | None = None, calendar: str = "us-6103a", readings: Readings | None = None,
) -> DemoReport:
    """Import the generated portfolio case by case; a case already in the log is left as it is.

    `today` dates the portfolio (nothing later than yesterday); `now` is the recorded_at of the appends.
    Running it again, on any day, adds nothing for the cases already there: a case id depends only on the
    seed and the case number, so a larger `cases` adds just the new ones.
    """
    imported = existing = events = 0
    rejected: list[str] = []
    case_ids: list[str] = []
    for case_file in generate_portfolio(cases, seed=seed, today=today):
        case_id = case_file["case"]["id"]
        case_ids.append(case_id)
        if case_version(engine, case_id) > 0:
            existing += 1
            continue
        outcome = import_case(engine, case_file, source=f"demo seed {seed}", actor=DEMO_ACTOR, now=now, policy=policy)
        if outcome.status == "rejected":
            rejected.append(outcome.describe())
        imported += outcome.status == "imported"
        events += outcome.events
    clocks = clock_counts(engine, case_ids, as_of=today, calendar=calendar, readings=readings)
    return DemoReport(cases, imported, existing, tuple(rejected), events, today, clocks)


def clock_counts(
    engine: Engine | Connection, case_ids: Iterable[str], *, as_of: date, calendar: str,
    readings: Readings | None = None,
) -> dict[str, int]:
    """Clocks by status as of a day, computed by the rule engine from the cases as stored."""
    counts: Counter[str] = Counter()
    policy = calendar_for(calendar)
    for case_id in case_ids:
        events = to_case_events(case_events(engine, case_id))
        if events and isinstance(events[0].data, CaseOpened):
            # The profile is the case_opened event itself; the engine reads the events that follow it.
            clocks = compute_clocks(case_id, events[0].data, events[1:], policy, as_of, readings=readings)
            counts.update(clock.status for clock in clocks)
    return dict(counts)

"""Timeliness per rule: deadlines due in a period, met on time, met late, breached and still open; days used.

Only servicer deadlines are counted (kind "deadline"): windows are the borrower's, bars and checks are judged
elsewhere. Cancelled and not-applicable clocks are not due. The breach rate is breaches over the clocks
already decided (due minus still open), so a period that ends in the future is not flattered by open clocks.
Team and staff are the case's current assignment.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Literal, TypeVar

from compliance.reports.days_used import days_used
from compliance.reports.records import ClockRecord, Period
from compliance.reports.stats import median, percentile, rate
from compliance.reports.table import Cell, Table, ratio
from compliance.rulebook import RULES

Outcome = Literal["met_on_time", "met_late", "breached_open", "open"]
OUTCOMES: tuple[Outcome, ...] = ("met_on_time", "met_late", "breached_open", "open")
K = TypeVar("K", bound=Hashable)
R = TypeVar("R")
RULE_ORDER = {r.id: i for i, r in enumerate(RULES)}
COLUMNS = ("group", "rule", "team", "staff_id", "due", "met_on_time", "met_late", "breached_open", "open",
           "breach_rate", "median_used_of_allowed", "p90_used_of_allowed")


def outcome(record: ClockRecord, *, as_of: date) -> Outcome | None:
    """How a deadline stands on `as_of`; None when it is not a deadline that fell due (cancelled, not applicable)."""
    if record.kind != "deadline" or record.due is None:
        return None
    if record.status == "met":
        return "met_on_time"
    if record.status == "breached":
        return "met_late" if record.met_by is not None else "breached_open"
    if record.status == "open":
        # A deadline passes at the end of its due date (CONTRACT §6: as_of decides open versus breached).
        return "breached_open" if as_of > record.due else "open"
    return None


def due_in(records: Iterable[ClockRecord], period: Period, *, as_of: date) -> list[ClockRecord]:
    """The deadlines due in the period that count (cancelled and not-applicable ones left out)."""
    return [r for r in records if period.contains(r.due) and outcome(r, as_of=as_of) is not None]


@dataclass(frozen=True)
class TimelinessRow:
    """The counts and days-used figures of one group of deadlines (a rule, a team, a staff member, or all)."""

    group: str
    rule: str | None
    team: str | None
    staff_id: str | None
    met_on_time: int
    met_late: int
    breached_open: int
    open: int
    median_used: float | None
    p90_used: float | None

    @property
    def due(self) -> int:
        """Deadlines due in the period."""
        return self.met_on_time + self.met_late + self.breached_open + self.open

    @property
    def breaches(self) -> int:
        """Met late or not met at all."""
        return self.met_late + self.breached_open

    @property
    def judged(self) -> int:
        """Deadlines already decided: due minus still open."""
        return self.due - self.open

    @property
    def breach_rate(self) -> float | None:
        """Breaches over decided deadlines (None when none is decided)."""
        return rate(self.breaches, self.judged)

    def cells(self) -> tuple[Cell, ...]:
        """The row in COLUMNS order."""
        return (self.group, self.rule, self.team, self.staff_id, self.due, self.met_on_time, self.met_late,
                self.breached_open, self.open, ratio(self.breach_rate), ratio(self.median_used),
                ratio(self.p90_used))

    def to_json(self) -> dict[str, object]:
        """The row as JSON (ratios to 4 decimals)."""
        return dict(zip(COLUMNS, self.cells(), strict=True))


def summarize(records: Sequence[ClockRecord], *, as_of: date, group: str = "total", rule: str | None = None,
              team: str | None = None, staff_id: str | None = None) -> TimelinessRow:
    """Count the outcomes of `records` and take the median and p90 of the share of allowed days used."""
    counts = dict.fromkeys(OUTCOMES, 0)
    for record in records:
        found = outcome(record, as_of=as_of)
        if found is not None:
            counts[found] += 1
    shares = sorted(used.share for used in map(days_used, records) if used is not None)
    return TimelinessRow(group, rule, team, staff_id, counts["met_on_time"], counts["met_late"],
                         counts["breached_open"], counts["open"], median(shares), percentile(shares, 90))


def grouped(records: Iterable[R], key: Callable[[R], K]) -> dict[K, list[R]]:
    """Records by key, keys in first-seen order."""
    out: dict[K, list[R]] = {}
    for record in records:
        out.setdefault(key(record), []).append(record)
    return out


def rule_order(rule_id: str) -> tuple[int, str]:
    """Rules in rulebook order (CONTRACT §3), unknown ids after them."""
    return RULE_ORDER.get(rule_id, len(RULE_ORDER)), rule_id


def team_order(team: str | None) -> tuple[bool, str]:
    """Teams alphabetically, unassigned cases last."""
    return team is None, team or ""


@dataclass(frozen=True)
class TimelinessReport:
    """Deadlines due in a period: overall, per rule (rulebook order), per team and per staff member."""

    period: Period
    as_of: date
    total: TimelinessRow
    by_rule: tuple[TimelinessRow, ...]
    by_team: tuple[TimelinessRow, ...]
    by_staff: tuple[TimelinessRow, ...]

    def rows(self) -> tuple[TimelinessRow, ...]:
        """Every row: total, rules, teams, staff."""
        return (self.total, *self.by_rule, *self.by_team, *self.by_staff)

    def table(self) -> Table:
        """The report as one table (COLUMNS; `group` is total, rule, team or staff)."""
        return Table(COLUMNS, tuple(row.cells() for row in self.rows()))

    def to_json(self) -> dict[str, object]:
        """The report as JSON."""
        return {"report": "timeliness", "period": self.period.to_json(), "as_of": self.as_of.isoformat(),
                "total": self.total.to_json(), "by_rule": [r.to_json() for r in self.by_rule],
                "by_team": [r.to_json() for r in self.by_team], "by_staff": [r.to_json() for r in self.by_staff]}


def timeliness_report(records: Iterable[ClockRecord], period: Period, *, as_of: date) -> TimelinessReport:
    """Timeliness of the deadlines due in `period`, judged on `as_of`."""
    due = due_in(records, period, as_of=as_of)
    rules = grouped(due, lambda r: r.rule)
    teams = grouped(due, lambda r: r.team)
    staff = grouped(due, lambda r: (r.team, r.staff_id))
    return TimelinessReport(
        period, as_of, summarize(due, as_of=as_of),
        tuple(summarize(rules[k], as_of=as_of, group="rule", rule=k) for k in sorted(rules, key=rule_order)),
        tuple(summarize(teams[k], as_of=as_of, group="team", team=k) for k in sorted(teams, key=team_order)),
        tuple(summarize(staff[k], as_of=as_of, group="staff", team=k[0], staff_id=k[1])
              for k in sorted(staff, key=lambda k: (*team_order(k[0]), k[1] or ""))),
    )

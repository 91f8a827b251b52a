"""Suggested improvements: the rules and teams whose breach rate or median days used rose most against the
previous period of equal length, each stated as one plain sentence with who or what drove the breaches.

Percentages are rounded to whole points before they are compared, so every sentence adds up as written.
A rule or team is compared only when at least `min_judged` of its deadlines were decided in both periods:
a rate over two clocks says nothing.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from compliance.reports.records import ClockRecord, Period
from compliance.reports.stats import percent
from compliance.reports.table import Table, ratio
from compliance.reports.timeliness import TimelinessRow, due_in, grouped, outcome, rule_order, summarize, team_order

TOP, MIN_JUDGED = 5, 5
COLUMNS = ("subject", "name", "judged", "breaches", "breach_rate", "previous_judged", "previous_breaches",
           "previous_breach_rate", "breach_rate_change_points", "median_used_of_allowed",
           "previous_median_used_of_allowed", "median_used_change_points", "driver", "driver_breaches", "sentence")


def points(value: float | None) -> int | None:
    """A share as whole percentage points (None stays None)."""
    return None if value is None else round(value * 100)


def rise(now: float | None, before: float | None) -> int | None:
    """The change in whole points between two shares, None when either is missing."""
    a, b = points(now), points(before)
    return None if a is None or b is None else a - b


@dataclass(frozen=True)
class Change:
    """One rule or team that did worse: both periods' figures, the rises, the main driver and the sentence."""

    subject: str
    name: str | None
    now: TimelinessRow
    before: TimelinessRow
    rate_rise: int | None
    median_rise: int | None
    driver: str | None
    driver_breaches: int
    sentence: str

    def cells(self) -> tuple[str | int | float | None, ...]:
        """The row in COLUMNS order."""
        return (self.subject, self.name, self.now.judged, self.now.breaches, ratio(self.now.breach_rate),
                self.before.judged, self.before.breaches, ratio(self.before.breach_rate), self.rate_rise,
                ratio(self.now.median_used), ratio(self.before.median_used), self.median_rise, self.driver,
                self.driver_breaches, self.sentence)

    def to_json(self) -> dict[str, object]:
        """The change as JSON."""
        return dict(zip(COLUMNS, self.cells(), strict=True))


@dataclass(frozen=True)
class ImprovementsReport:
    """What got worse against the previous period: rules first, then teams, worst first; and the sentences."""

    period: Period
    previous: Period
    as_of: date
    changes: tuple[Change, ...]
    sentences: tuple[str, ...]

    def table(self) -> Table:
        """The report as one table (one row per change)."""
        return Table(COLUMNS, tuple(c.cells() for c in self.changes))

    def to_json(self) -> dict[str, object]:
        """The report as JSON."""
        return {"report": "improvements", "period": self.period.to_json(), "previous": self.previous.to_json(),
                "as_of": self.as_of.isoformat(), "sentences": list(self.sentences),
                "changes": [c.to_json() for c in self.changes]}


def improvements_report(
    records: Iterable[ClockRecord], period: Period, *, as_of: date, top: int = TOP, min_judged: int = MIN_JUDGED
) -> ImprovementsReport:
    """Compare the deadlines due in `period` with those due in the period before it."""
    records = list(records)
    now, before = due_in(records, period, as_of=as_of), due_in(records, period.previous(), as_of=as_of)
    found = []
    for subject, key, drive in (("rule", _rule, _team), ("team", _team, _rule)):
        changes = compare(subject, key, drive, now, before, days=period.days, as_of=as_of, min_judged=min_judged)
        found += changes[:top]
    sentences = tuple(c.sentence for c in found) or (nothing_worse(period.days, min_judged),)
    return ImprovementsReport(period, period.previous(), as_of, tuple(found), sentences)


def _rule(record: ClockRecord) -> str | None:
    return record.rule


def _team(record: ClockRecord) -> str | None:
    return record.team


def compare(
    subject: str, key: Callable[[ClockRecord], str | None], drive: Callable[[ClockRecord], str | None],
    now: Sequence[ClockRecord], before: Sequence[ClockRecord], *, days: int, as_of: date, min_judged: int,
) -> list[Change]:
    """The rules (or teams) whose breach rate or median days used rose, worst first."""
    now_groups, before_groups = grouped(now, key), grouped(before, key)
    out = []
    for name in sorted(now_groups, key=name_order(subject)):
        a, b = summarize(now_groups[name], as_of=as_of), summarize(before_groups.get(name, []), as_of=as_of)
        if a.judged < min_judged or b.judged < min_judged:
            continue
        rate_rise, median_rise = rise(a.breach_rate, b.breach_rate), rise(a.median_used, b.median_used)
        if (rate_rise or 0) > 0 or (median_rise or 0) > 0:
            driver, count = main_driver(now_groups[name], drive, as_of=as_of, subject=subject)
            sentence = describe(subject, name, a, b, days=days, driver=driver, count=count)
            out.append(Change(subject, name, a, b, rate_rise, median_rise, driver, count, sentence))
    return sorted(out, key=lambda c: (-(c.rate_rise or 0), -(c.median_rise or 0)))


def main_driver(
    records: Sequence[ClockRecord], drive: Callable[[ClockRecord], str | None], *, as_of: date, subject: str
) -> tuple[str | None, int]:
    """The team (of a rule) or rule (of a team) with the most breaches, and how many; (None, 0) when none
    has more than every other."""
    breaches = Counter(drive(r) for r in records if outcome(r, as_of=as_of) in ("met_late", "breached_open"))
    ranked = breaches.most_common(2)
    if not ranked or (len(ranked) == 2 and ranked[0][1] == ranked[1][1]):
        return None, 0  # no breach, or a tie: nobody drove them
    return ranked[0]


def describe(subject: str, name: str | None, now: TimelinessRow, before: TimelinessRow, *, days: int,
             driver: str | None, count: int) -> str:
    """"lm_ack_notice: breach rate 12% vs 4% in the previous 30 days (+8 points); team east-2 drove 5 of 7 breaches."""
    parts = []
    rate_rise, median_rise = rise(now.breach_rate, before.breach_rate), rise(now.median_used, before.median_used)
    if (rate_rise or 0) > 0:
        parts.append(f"breach rate {percent(now.breach_rate)} vs {percent(before.breach_rate)}")
        parts[-1] += f" in the previous {days} days ({signed(rate_rise)})"
    if (median_rise or 0) > 0:
        since = "" if parts else f" in the previous {days} days"
        parts.append(f"median days used {percent(now.median_used)} of the allowed days vs "
                     f"{percent(before.median_used)}{since} ({signed(median_rise)})")
    text = f"{label(subject, name)}: {', '.join(parts)}"
    return text + driven("team" if subject == "rule" else "rule", driver, count, total=now.breaches) + "."


def driven(subject: str, driver: str | None, count: int, *, total: int) -> str:
    """"; team east-2 drove 5 of 7 breaches" (or had the only breach, drove all of them, or nobody led)."""
    if not total:
        return ""
    if not count:
        return f"; no single {subject} led the {total} breaches"
    who = label(subject, driver)
    if total == 1:
        return f"; {who} had the only breach"
    if count < total:
        return f"; {who} drove {count} of {total} breaches"
    return f"; {who} drove {'both' if total == 2 else f'all {total}'} breaches"


def signed(change: int | None) -> str:
    """"+8 points", "+1 point"."""
    return f"+{change} point{'' if change == 1 else 's'}"


def name_order(subject: str) -> Callable[[str | None], tuple[object, ...]]:
    """Sort key of rule ids (rulebook order) or teams (alphabetical, unassigned last)."""
    if subject == "rule":
        return lambda name: rule_order(name or "")
    return team_order


def label(subject: str, name: str | None) -> str:
    """How a rule or team is named in a sentence."""
    if subject == "rule":
        return name or "unknown rule"
    return f"team {name}" if name else "unassigned cases"


def nothing_worse(days: int, min_judged: int) -> str:
    """The sentence when nothing got worse."""
    return (f"No rule or team did worse than in the previous {days} days (comparing those with at least "
            f"{min_judged} deadlines decided in both periods).")

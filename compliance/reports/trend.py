"""Breach trend: the breach rate of deadlines due in consecutive buckets of a span, overall and per team."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from compliance.reports.records import ClockRecord, Period
from compliance.reports.stats import rate
from compliance.reports.table import ratio
from compliance.reports.timeliness import due_in, grouped, summarize, team_order

WEEK, MONTH = 7, 30
WEEKLY_UP_TO = 92  # spans up to about a quarter are shown week by week, longer ones in 30-day buckets


@dataclass(frozen=True)
class TrendPoint:
    """Deadlines due in one bucket of the span (one team, or every team when `team` is None)."""

    bucket: Period
    group: str  # "total" (every team) or "team"
    team: str | None
    judged: int
    breaches: int

    @property
    def breach_rate(self) -> float | None:
        """Breaches over decided deadlines (None when none was decided)."""
        return rate(self.breaches, self.judged)

    def to_json(self) -> dict[str, object]:
        """The point as JSON."""
        return {"from": self.bucket.start.isoformat(), "to": self.bucket.end.isoformat(), "group": self.group,
                "team": self.team,
                "judged": self.judged, "breaches": self.breaches, "breach_rate": ratio(self.breach_rate)}


def buckets(span: Period, *, days: int | None = None) -> tuple[Period, ...]:
    """Consecutive buckets ending on span.end (the first one may be shorter), oldest first."""
    size = days or (WEEK if span.days <= WEEKLY_UP_TO else MONTH)
    out: list[Period] = []
    end = span.end
    while end >= span.start:
        start = max(span.start, end - timedelta(days=size - 1))
        out.append(Period(start, end))
        end = start - timedelta(days=1)
    return tuple(reversed(out))


def breach_trend(
    records: Iterable[ClockRecord], span: Period, *, as_of: date, bucket_days: int | None = None
) -> tuple[TrendPoint, ...]:
    """Per bucket of the span: all teams first, then each team (alphabetically, unassigned last)."""
    due = due_in(records, span, as_of=as_of)
    teams = grouped(due, lambda r: r.team)
    out: list[TrendPoint] = []
    for bucket in buckets(span, days=bucket_days):
        out.append(_point(due, bucket, "total", None, as_of=as_of))
        out.extend(_point(teams[t], bucket, "team", t, as_of=as_of) for t in sorted(teams, key=team_order))
    return tuple(out)


def _point(records: Sequence[ClockRecord], bucket: Period, group: str, team: str | None, *, as_of: date) -> TrendPoint:
    row = summarize([r for r in records if bucket.contains(r.due)], as_of=as_of)
    return TrendPoint(bucket, group, team, row.judged, row.breaches)

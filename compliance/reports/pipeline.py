"""Pipeline: loss mitigation applications by stage and age, and cases near a foreclosure milestone with the
bars still in force (a sale within 60 days; the 120-day bar of 1024.41(f)(1) about to lift)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from compliance.reports.records import ApplicationRecord, CaseRecord, ClockRecord
from compliance.reports.stages import STAGES
from compliance.reports.stats import median
from compliance.reports.table import Table
from compliance.reports.timeliness import grouped, rule_order

SALE_WITHIN, BAR_WITHIN = 60, 30  # days ahead a sale, or the lifting of the 120-day bar, counts as near
AGE_BANDS = ((0, 30), (31, 60), (61, 90), (91, None))  # days since receipt
SALE, BAR_LIFTS = "sale", "120_day_bar_lifts"
STAGE_COLUMNS = ("stage", "applications", "median_age_days", "oldest_age_days", "age_0_30", "age_31_60",
                 "age_61_90", "age_over_90")
MILESTONE_COLUMNS = ("case_id", "team", "staff_id", "milestone", "on", "days_away", "open_bars")
COLUMNS = ("group", *STAGE_COLUMNS, *MILESTONE_COLUMNS)


def bar_in_force(record: ClockRecord, *, as_of: date) -> bool:
    """A bar still prohibits its foreclosure step on `as_of` (open, and its not_before, if any, not reached)."""
    return record.kind == "bar" and record.status == "open" and (record.not_before is None or as_of < record.not_before)


@dataclass(frozen=True)
class StageRow:
    """The applications at one stage: how many, median and oldest age, and how many in each age band."""

    stage: str
    applications: int
    median_age_days: float | None
    oldest_age_days: int | None
    bands: tuple[int, ...]

    def cells(self) -> tuple[str | int | float | None, ...]:
        """The row in STAGE_COLUMNS order."""
        return (self.stage, self.applications, self.median_age_days, self.oldest_age_days, *self.bands)

    def to_json(self) -> dict[str, object]:
        """The row as JSON."""
        return dict(zip(STAGE_COLUMNS, self.cells(), strict=True))


@dataclass(frozen=True)
class Milestone:
    """A case near a foreclosure milestone, with the bars in force on it."""

    case_id: str
    team: str | None
    staff_id: str | None
    milestone: str
    on: date
    days_away: int
    open_bars: tuple[str, ...]

    def cells(self) -> tuple[str | int | date | None, ...]:
        """The row in MILESTONE_COLUMNS order (bars joined by spaces)."""
        return (self.case_id, self.team, self.staff_id, self.milestone, self.on, self.days_away,
                " ".join(self.open_bars))

    def to_json(self) -> dict[str, object]:
        """The milestone as JSON."""
        return {"case_id": self.case_id, "team": self.team, "staff_id": self.staff_id, "milestone": self.milestone,
                "on": self.on.isoformat(), "days_away": self.days_away, "open_bars": list(self.open_bars)}


@dataclass(frozen=True)
class PipelineReport:
    """Applications by stage (every stage listed, empty ones too) and cases near foreclosure milestones."""

    as_of: date
    stages: tuple[StageRow, ...]
    applications: tuple[ApplicationRecord, ...]
    milestones: tuple[Milestone, ...]

    def table(self) -> Table:
        """The report as one table: stage rows fill STAGE_COLUMNS, milestone rows MILESTONE_COLUMNS."""
        rows = [("stage", *s.cells(), *(None,) * len(MILESTONE_COLUMNS)) for s in self.stages]
        rows += [("milestone", *(None,) * len(STAGE_COLUMNS), *m.cells()) for m in self.milestones]
        return Table(COLUMNS, tuple(rows))

    def to_json(self) -> dict[str, object]:
        """The report as JSON."""
        return {"report": "pipeline", "as_of": self.as_of.isoformat(), "stages": [s.to_json() for s in self.stages],
                "applications": [a.to_json(as_of=self.as_of) for a in self.applications],
                "milestones": [m.to_json() for m in self.milestones]}


def pipeline_report(
    applications: Iterable[ApplicationRecord], cases: Iterable[CaseRecord], bars: Iterable[ClockRecord],
    *, as_of: date, sale_within: int = SALE_WITHIN, bar_within: int = BAR_WITHIN,
) -> PipelineReport:
    """The pipeline on `as_of`: application stages and ages, and milestones within the given days."""
    apps = sorted(applications, key=lambda a: (STAGES.index(a.stage), a.received_on, a.case_id, a.application_id))
    by_stage = grouped(apps, lambda a: a.stage)
    stages = tuple(stage_row(s, by_stage.get(s, []), as_of=as_of) for s in STAGES)
    in_force = grouped((b for b in bars if bar_in_force(b, as_of=as_of)), lambda b: b.case_id)
    near: list[Milestone] = []
    for case in cases:
        if case.status == "open":
            near += milestones(case, in_force.get(case.case_id, []), as_of=as_of, sale_within=sale_within,
                               bar_within=bar_within)
    return PipelineReport(as_of, stages, tuple(apps), tuple(sorted(near, key=lambda m: (m.on, m.case_id, m.milestone))))


def stage_row(stage: str, apps: Sequence[ApplicationRecord], *, as_of: date) -> StageRow:
    """Count and ages of the applications at one stage."""
    ages = sorted(a.age(as_of) for a in apps)
    bands = tuple(sum(low <= age and (high is None or age <= high) for age in ages) for low, high in AGE_BANDS)
    middle = median(ages)
    return StageRow(stage, len(ages), None if middle is None else float(middle), ages[-1] if ages else None, bands)


def milestones(case: CaseRecord, bars: Sequence[ClockRecord], *, as_of: date, sale_within: int,
               bar_within: int) -> list[Milestone]:
    """The case's near milestones: a scheduled sale, and the 120-day bar lifting (1024.41(f)(1))."""
    open_bars = tuple(sorted({b.rule for b in bars}, key=rule_order))
    found: list[tuple[str, date]] = []
    if case.sale_date is not None and 0 <= (case.sale_date - as_of).days <= sale_within:
        found.append((SALE, case.sale_date))
    lifts = [b.not_before for b in bars if b.rule == "fc_120_day_bar" and b.not_before is not None]
    if lifts and (min(lifts) - as_of).days <= bar_within:
        found.append((BAR_LIFTS, min(lifts)))
    return [Milestone(case.case_id, case.team, case.staff_id, kind, on, (on - as_of).days, open_bars)
            for kind, on in found]

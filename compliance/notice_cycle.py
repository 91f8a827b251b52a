"""The 180-day written-notice cycle of 1024.39(b)(1) and its FDCPA variant 39(d)(3): when the next notice is due."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from functools import partial

from compliance.clock import Steps, expand
from compliance.derived_deadline import calendar_days
from compliance.ei_scope import EarlyIntervention
from compliance.envelope import CaseEvent
from compliance.history import computed_once
from timelines.counting import Count

CYCLE = 180  # 39(b)(1): not required more than once "during any 180-day period"
FDCPA_CYCLE = 190  # 39(d)(3)(iii) as amended by 82 FR 47953: repeat no later than prior + 190
DAY_45 = 45


@dataclass(frozen=True)
class NextNotice:
    """After a notice provided on `prior.on`: when the next one is due, or why none is (yet) owed."""

    prior: CaseEvent
    due: date | None
    # The lines deriving `due` (or the reason), or a recipe that writes them when read.
    steps: Steps
    reason: str | None = None
    flags: tuple[str, ...] = ()
    cease: CaseEvent | None = None

    @computed_once
    def governs_until(self) -> date:
        """The last due date this cycle decides: later payment-keyed clocks are not capped by it."""
        floor = self.prior.on + timedelta(days=FDCPA_CYCLE if self.cease else CYCLE)
        return max(floor, self.due) if self.due else floor


def next_notice(ctx: EarlyIntervention, prior: CaseEvent) -> NextNotice:
    """Comment 39(b)(1)-2 (and 39(d)(3) after an FDCPA cease notice): the next notice after `prior`."""
    cal, as_of = ctx.ev.calendar, ctx.ev.as_of
    end = calendar_days(cal, prior.on, CYCLE, "prior written notice provided")
    day180 = end.due
    cease = ctx.fdcpa_ceased(day180)
    flags: list[str] = []
    if cease is not None:
        flags.append("fdcpa_modified_notice")
    if as_of < day180:
        flags.append("projected_delinquency")
    oldest = ctx.arrears.oldest_unpaid(day180)
    if oldest is None:
        reason = (f"the borrower is current on day 180 ({day180}): no repeat notice is owed on this cycle; the next "
                  "missed installment starts its own clock (comment 39(b)(1)-2)")
        return NextNotice(prior, None, partial(_period_lines, end, cease, as_of), reason, tuple(flags), cease)
    late = (day180 - oldest).days
    due, more = _due(ctx, prior, oldest, late=late, cease=cease)
    steps = partial(_cycle_lines, end, cease, as_of, oldest, more)
    if late < DAY_45 and not ctx.arrears.delinquent_throughout(oldest, oldest + timedelta(days=DAY_45)):
        reason = (f"the delinquency that includes the installment due {oldest} ended before its 45th day: no notice "
                  "is owed for it (comment 39(b)(1)-1)")
        return NextNotice(prior, None, steps, reason, tuple(flags), cease)
    return NextNotice(prior, due, steps, None, tuple(flags), cease)


def _period_lines(end: Count, cease: CaseEvent | None, as_of: date) -> tuple[str, ...]:
    day180 = end.due
    steps = [*end.steps, f"end of the 180-day period: {day180} (12 CFR 1024.39(b)(1), comment 39(b)(1)-2)"]
    if cease is not None:
        steps.append(
            f"FDCPA debt collector; cease-communication notice received {cease.on}: modified notice, at most one in "
            f"any 180-day period, repeat timing of 12 CFR 1024.39(d)(3)(iii) (not before {day180})"
        )
    if as_of < day180:
        steps.append(f"as of {as_of}, before day 180: delinquency on {day180} projected from the installments "
                     "unpaid now (assumes no payment before then)")
    return tuple(steps)


def _cycle_lines(end: Count, cease: CaseEvent | None, as_of: date, oldest: date, more: Steps) -> tuple[str, ...]:
    late = (end.due - oldest).days
    return (*_period_lines(end, cease, as_of),
            f"on {end.due} the borrower is {late} days delinquent (oldest unpaid installment due {oldest})",
            *expand(more))


def _due(
    ctx: EarlyIntervention, prior: CaseEvent, oldest: date, *, late: int, cease: CaseEvent | None
) -> tuple[date, Steps]:
    cal = ctx.ev.calendar
    day180 = prior.on + timedelta(days=CYCLE)
    if cease is None and late >= DAY_45:
        return day180, partial(_line, f"{late} >= 45: the next notice is due on day 180, {{}} (comment 39(b)(1)-2.i)",
                               day180)
    if cease is not None and late >= DAY_45:
        day190 = prior.on + timedelta(days=FDCPA_CYCLE)
        return day190, partial(_line, f"{late} >= 45 at the end of the 180-day period: due prior + 190 = {{}} "
                               "(12 CFR 1024.39(d)(3)(iii))", day190)
    unpaid = calendar_days(cal, oldest, DAY_45, "installment that remains unpaid")
    if cease is None:
        return unpaid.due, partial(_unpaid_lines, late, unpaid, None)
    day190 = prior.on + timedelta(days=FDCPA_CYCLE)
    due = max(unpaid.due, day190)
    return due, partial(_unpaid_lines, late, unpaid, day190)


def _line(template: str, day: date) -> tuple[str, ...]:
    return (template.format(day),)


def _unpaid_lines(late: int, unpaid: Count, day190: date | None) -> tuple[str, ...]:
    lines = (f"{late} < 45: due 45 days after the installment that remains unpaid (comment 39(b)(1)-2.ii)",
             *unpaid.steps)
    if day190 is None:
        return lines
    due = max(unpaid.due, day190)
    return (*lines, f"the later of {unpaid.due} and prior + 190 = {day190}: {due} (12 CFR 1024.39(d)(3)(iii))")

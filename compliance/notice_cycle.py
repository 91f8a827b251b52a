"""The 180-day written-notice cycle of 1024.39(b)(1) and its FDCPA variant 39(d)(3): when the next notice is due."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from compliance.derived_deadline import calendar_days
from compliance.ei_scope import EarlyIntervention
from compliance.envelope import CaseEvent

CYCLE = 180  # 39(b)(1): not required more than once "during any 180-day period"
FDCPA_CYCLE = 190  # 39(d)(3)(iii) as amended by 82 FR 47953: repeat no later than prior + 190
DAY_45 = 45


@dataclass(frozen=True)
class NextNotice:
    """After a notice provided on `prior.on`: when the next one is due, or why none is (yet) owed."""

    prior: CaseEvent
    due: date | None
    steps: tuple[str, ...]
    reason: str | None = None
    flags: tuple[str, ...] = ()
    cease: CaseEvent | None = None

    @property
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
    steps = [*end.steps, f"end of the 180-day period: {day180} (12 CFR 1024.39(b)(1), comment 39(b)(1)-2)"]
    flags: list[str] = []
    if cease is not None:
        flags.append("fdcpa_modified_notice")
        steps.append(
            f"FDCPA debt collector; cease-communication notice received {cease.on}: modified notice, at most one in "
            f"any 180-day period, repeat timing of 12 CFR 1024.39(d)(3)(iii) (not before {day180})"
        )
    if as_of < day180:
        flags.append("projected_delinquency")
        steps.append(f"as of {as_of}, before day 180: delinquency on {day180} projected from the installments "
                     "unpaid now (assumes no payment before then)")
    oldest = ctx.arrears.oldest_unpaid(day180)
    if oldest is None:
        reason = (f"the borrower is current on day 180 ({day180}): no repeat notice is owed on this cycle; the next "
                  "missed installment starts its own clock (comment 39(b)(1)-2)")
        return NextNotice(prior, None, tuple(steps), reason, tuple(flags), cease)
    late = (day180 - oldest).days
    steps.append(f"on {day180} the borrower is {late} days delinquent (oldest unpaid installment due {oldest})")
    due, more = _due(ctx, prior, oldest, late=late, cease=cease)
    if late < DAY_45 and not ctx.arrears.delinquent_throughout(oldest, oldest + timedelta(days=DAY_45)):
        reason = (f"the delinquency that includes the installment due {oldest} ended before its 45th day: no notice "
                  "is owed for it (comment 39(b)(1)-1)")
        return NextNotice(prior, None, (*steps, *more), reason, tuple(flags), cease)
    return NextNotice(prior, due, (*steps, *more), None, tuple(flags), cease)


def _due(
    ctx: EarlyIntervention, prior: CaseEvent, oldest: date, *, late: int, cease: CaseEvent | None
) -> tuple[date, tuple[str, ...]]:
    cal = ctx.ev.calendar
    day180 = prior.on + timedelta(days=CYCLE)
    if cease is None and late >= DAY_45:
        return day180, (f"{late} >= 45: the next notice is due on day 180, {day180} (comment 39(b)(1)-2.i)",)
    if cease is not None and late >= DAY_45:
        day190 = prior.on + timedelta(days=FDCPA_CYCLE)
        return day190, (f"{late} >= 45 at the end of the 180-day period: due prior + 190 = {day190} "
                        "(12 CFR 1024.39(d)(3)(iii))",)
    unpaid = calendar_days(cal, oldest, DAY_45, "installment that remains unpaid")
    lines = [f"{late} < 45: due 45 days after the installment that remains unpaid (comment 39(b)(1)-2.ii)",
             *unpaid.steps]
    if cease is None:
        return unpaid.due, tuple(lines)
    day190 = prior.on + timedelta(days=FDCPA_CYCLE)
    due = max(unpaid.due, day190)
    lines.append(f"the later of {unpaid.due} and prior + 190 = {day190}: {due} (12 CFR 1024.39(d)(3)(iii))")
    return due, tuple(lines)

"""ei_written_notice (12 CFR 1024.39(b)): per missed installment, per prior notice (180-day cycle), per bankruptcy."""

from __future__ import annotations

from datetime import date, timedelta
from functools import partial

from compliance.bankruptcy import BankruptcyCase, debtor_case
from compliance.clock import Clock, Reason, Steps
from compliance.derived_deadline import calendar_days, derived_deadline, due_clock, inapplicable_at, inapplicable_clock
from compliance.ei_scope import (
    EarlyIntervention,
    Installment,
    cured,
    cured_reason,
    installment,
    not_in_force,
    subpart_c_scope,
)
from compliance.envelope import CaseEvent
from compliance.notice_cycle import CYCLE, DAY_45, NextNotice, next_notice
from compliance.rulebook import rule
from timelines.counting import Count

NOTICE = rule("ei_written_notice")
ONE_DAY = timedelta(days=1)
BANKRUPTCY_CITE = "12 CFR 1024.39(c)(1)(ii); the modified notice is owed once per case, on its own clock"
MODIFIED_FLAGS = ("bankruptcy_modified_notice", "assumes_lm_option_available")
CAPPED = ("a written notice was provided on {}: not required more than once in any {}-day period "
          "(12 CFR 1024.39(b)(1)); the next notice is governed by the clock keyed on that notice ({})")


def written_notice_clocks(ctx: EarlyIntervention) -> list[Clock]:
    """Every ei_written_notice clock of the case: installments, notice cycles and bankruptcy cases."""
    cycles = next_notices(ctx)
    out = [installment_clock(ctx, installment(ctx, missed), cycles) for missed in ctx.arrears.missed]
    out += [cycle_clock(ctx, cycles[notice.id]) for notice in ctx.notices]
    out += [bankruptcy_clock(ctx, case) for case in ctx.bankruptcies]
    return out


def next_notices(ctx: EarlyIntervention) -> dict[str, NextNotice]:
    """The 180-day cycle after each notice sent, by the notice's id."""
    return {notice.id: next_notice(ctx, notice) for notice in ctx.notices}


def installment_clock(ctx: EarlyIntervention, m: Installment, cycles: dict[str, NextNotice]) -> Clock:
    """Notice by the installment's due date + 45 (comment 39(b)(1)-1), unless a prior notice's cycle governs."""
    ev, due_date, counted = ctx.ev, m.due_date, m.day45
    due = counted.due
    reason = (
        not_in_force(NOTICE, m.event.on) or ctx.scope
        or (ctx.bankruptcy_reason(due_date, due, duty="written_notice", cite=BANKRUPTCY_CITE) if ctx.bankruptcies
            else None)
        or cured(m, due, day=DAY_45, cite="comment 39(b)(1)-1", arrears=ctx.arrears)
        or (_capped(ctx, due_date, due, cycles) if ctx.notices else None)
    )
    if reason is not None:
        return inapplicable_at(ev, NOTICE, m.trigger, reason, steps=counted.lines)
    steps: Steps = counted.lines
    flags: tuple[str, ...] = ()
    cease = ctx.fdcpa_ceased(due)
    if cease is not None:
        flags = ("fdcpa_modified_notice",)
        steps = partial(_modified_lines, counted, cease)
    satisfier = ctx.notice_after(m.event, not_before=due_date + ONE_DAY) if ctx.notices else None
    return due_clock(ev, NOTICE, m.trigger, due=due, steps=steps, satisfier=satisfier, flags=flags)


def _modified_lines(counted: Count, cease: CaseEvent) -> tuple[str, ...]:
    return (*counted.steps, f"cease-communication notice received {cease.on} by an FDCPA debt collector: the "
            "modified notice of 12 CFR 1024.39(d)(3) is due instead")


def _cap_notice(ctx: EarlyIntervention, due_date: date) -> CaseEvent | None:
    for notice in reversed(ctx.notices):
        if notice.on > due_date:
            continue
        case = debtor_case(ctx.bankruptcies, notice.on) if ctx.bankruptcies else None
        # 39(c)(1)(iii): the once-per-case modified notice does not restart the regular cycle after the case.
        if case is not None and case.ended_on is not None and case.ended_on <= due_date:
            continue
        return notice
    return None


def _capped(ctx: EarlyIntervention, due_date: date, due: date, cycles: dict[str, NextNotice]) -> Reason:
    prior = _cap_notice(ctx, due_date)
    if prior is None:
        return None
    cycle = cycles[prior.id]
    if due > cycle.governs_until:
        return None
    return partial(_capped_reason, cycle)


def _capped_reason(cycle: NextNotice) -> str:
    return CAPPED.format(cycle.prior.on, CYCLE, f"due {cycle.due}" if cycle.due else cycle.reason)


def cycle_clock(ctx: EarlyIntervention, cycle: NextNotice) -> Clock:
    """The next notice after a prior one: day 180, or the unpaid installment + 45 (comment 39(b)(1)-2; 39(d)(3))."""
    ev, prior = ctx.ev, cycle.prior
    reason = not_in_force(NOTICE, prior.on) or subpart_c_scope(ev) or cycle.reason
    if reason is None and cycle.due is not None:
        reason = ctx.bankruptcy_reason(prior.on, cycle.due, duty="written_notice", cite=BANKRUPTCY_CITE)
    if reason is not None or cycle.due is None:
        return inapplicable_clock(ev, NOTICE, prior, str(reason), steps=cycle.steps, flags=cycle.flags)
    satisfier = ctx.notice_after(prior)
    finding = None
    if satisfier is not None and ctx.fdcpa_ceased(satisfier.on) and (satisfier.on - prior.on).days < CYCLE:
        gap = (satisfier.on - prior.on).days
        finding = (f"modified written notice sent on {satisfier.on}, {gap} days after the prior notice of {prior.on}: "
                   "12 CFR 1024.39(d)(3)(iii) forbids more than one in any 180-day period after a cease notice")
    return derived_deadline(
        ev, NOTICE, prior, due=cycle.due, steps=cycle.steps, satisfier=satisfier, flags=cycle.flags, finding=finding
    )


def bankruptcy_clock(ctx: EarlyIntervention, case: BankruptcyCase) -> Clock:
    """39(c)(1)(iii): a modified notice by petition + 45 (or the 45th day of a delinquency begun in the case)."""
    ev, filed = ctx.ev, case.filed
    reason = not_in_force(NOTICE, case.petition) or subpart_c_scope(ev)
    if reason is not None:
        return inapplicable_clock(ev, NOTICE, filed, reason)
    start, lines = _bankruptcy_start(ctx, case)
    if start is None:
        return inapplicable_clock(ev, NOTICE, filed, lines[-1], steps=lines[:-1])
    counted = calendar_days(ev.calendar, start, DAY_45, "bankruptcy petition filed" if start == case.petition
                            else "installment missed during the bankruptcy case")
    due = counted.due
    steps = partial(_bankruptcy_lines, lines, counted)
    reason = _bankruptcy_exemption(ctx, case, start, due)
    if reason is not None:
        return inapplicable_clock(ev, NOTICE, filed, reason, steps=steps, flags=MODIFIED_FLAGS)
    satisfier = ctx.notice_after(filed, not_before=start if start == case.petition else start + ONE_DAY)
    return derived_deadline(ev, NOTICE, filed, due=due, steps=steps, satisfier=satisfier, flags=MODIFIED_FLAGS)


def _bankruptcy_lines(lines: tuple[str, ...], counted: Count) -> tuple[str, ...]:
    return (*lines, *counted.steps,
            "once per bankruptcy case, whatever the 180-day history (comment 39(c)(2)-1); assumed: a loss "
            "mitigation option is available (otherwise exempt, 12 CFR 1024.39(c)(1)(ii))")


def _bankruptcy_start(ctx: EarlyIntervention, case: BankruptcyCase) -> tuple[date | None, tuple[str, ...]]:
    oldest = ctx.arrears.oldest_unpaid(case.petition)
    if oldest is not None:
        return case.petition, (f"{case.describe()}: delinquent at filing (oldest unpaid installment due {oldest}); "
                               "modified notice within 45 days of the petition (12 CFR 1024.39(c)(1)(iii))",)
    later = next((m for m in ctx.arrears.missed if case.debtor_on(m.data.due_date)), None)  # type: ignore[attr-defined]
    if later is None:
        return None, (f"{case.describe()}: not delinquent at filing",
                      "the borrower was not delinquent at filing and no installment has been missed during the case")
    due_date = later.data.due_date  # type: ignore[attr-defined]
    return due_date, (f"{case.describe()}: not delinquent at filing; first installment missed during the case due "
                      f"{due_date}: modified notice by its 45th day of delinquency (12 CFR 1024.39(c)(1)(iii))",)


def _bankruptcy_exemption(ctx: EarlyIntervention, case: BankruptcyCase, start: date, due: date) -> str | None:
    cease = ctx.fdcpa_ceased(due)
    if cease is not None:
        return (f"FDCPA debt collector and a cease-communication notice received {cease.on}: exempt from the "
                "written notice during bankruptcy (12 CFR 1024.39(c)(1)(ii))")
    if case.ended_on is not None and case.ended_on <= due:
        return (f"the bankruptcy case ended ({case.how}) on {case.ended_on}, by the day the modified notice was due: "
                "the regular rules resume (12 CFR 1024.39(c)(2))")
    return cured_reason(ctx.arrears, start, due, day=DAY_45, cite="12 CFR 1024.39(c)(1)(iii); comment 39(b)(1)-1")

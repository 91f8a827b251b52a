"""Early intervention (12 CFR 1024.39(a)) and continuity of contact (1024.40(a)) per missed installment."""

from __future__ import annotations

from datetime import date, timedelta
from functools import partial

from compliance.clock import Clock, Reason
from compliance.derived_deadline import due_clock, inapplicable_at, inapplicable_clock
from compliance.ei_scope import EarlyIntervention, Installment, cured, installment, not_in_force
from compliance.envelope import CaseEvent
from compliance.evaluation import Evaluation
from compliance.rulebook import rule
from compliance.written_notice import NOTICE, bankruptcy_clock, cycle_clock, installment_clock, next_notices
from timelines.counting import Count, count_calendar_days

LIVE = rule("ei_live_contact")
PERSONNEL = rule("coc_assign_personnel")
DAY_36, DAY_45 = 36, 45
ONE_DAY = timedelta(days=1)
REACHABLE = frozenset({"borrower", "co_borrower", "authorized_third_party"})
VOICE = frozenset({"phone", "in_person"})
# Comment 39(a)-3: calls that ring, are busy or reach voicemail are good-faith efforts; a wrong number is not.
EFFORTS = frozenset({"left_message", "no_answer", "busy"})
LIVE_BANKRUPTCY_CITE = "12 CFR 1024.39(c)(1)(i)"
NOT_FIRST = ("personnel are assigned once per delinquency (12 CFR 1024.40(a)(1)); this one began on {} "
             "and is covered by that installment's clock")


def clocks(ev: Evaluation) -> list[Clock]:
    """Every ei_live_contact, ei_written_notice and coc_assign_personnel clock of the case."""
    ctx = EarlyIntervention.of(ev)
    efforts = tuple((c, kind) for c in ctx.contacts if (kind := contact_kind(ev, c)) is not None)
    cycles = next_notices(ctx)
    out: list[Clock] = []
    notices: list[Clock] = []
    for missed in ctx.arrears.missed:
        # The three clocks of one installment share its reading (due date, delinquency episode, day 45).
        shared = installment(ctx, missed)
        out += [live_contact(ctx, shared, efforts), assign_personnel(ctx, shared)]
        notices.append(installment_clock(ctx, shared, cycles))
    out += notices
    out += [cycle_clock(ctx, cycles[notice.id]) for notice in ctx.notices]
    out += [bankruptcy_clock(ctx, case) for case in ctx.bankruptcies]
    for repeat, first in ctx.arrears.repeats:
        reason = f"the installment due {first.data.due_date} was already recorded missed on {first.on} ({first.id})"  # type: ignore[attr-defined]
        out += [inapplicable_clock(ev, r, repeat, reason, flags=("repeated_payment_missed",))
                for r in (LIVE, NOTICE, PERSONNEL)]
    return out


def contact_kind(ev: Evaluation, contact: CaseEvent) -> str | None:
    """"live_contact", "good_faith_effort" (when the reading accepts efforts) or None for a 39(a) contact."""
    data = contact.data
    if data.channel not in VOICE or data.party not in REACHABLE:  # type: ignore[attr-defined]
        return None
    if data.outcome == "live_contact":  # type: ignore[attr-defined]
        return "live_contact"
    if ev.readings.live_contact_satisfied_by == "live_contact_only":
        return None
    effort = data.direction == "outbound" and data.outcome in EFFORTS  # type: ignore[attr-defined]
    return "good_faith_effort" if effort else None


def live_contact(ctx: EarlyIntervention, m: Installment, efforts: tuple[tuple[CaseEvent, str], ...]) -> Clock:
    """39(a): live contact or good-faith efforts in (due date, due date + 36] (comment 39(a)-1.i.A).

    `efforts` are the case's 39(a) contacts in the order they happened, each with its kind (see contact_kind).
    """
    ev, due_date = ctx.ev, m.due_date
    counted = count_calendar_days(ev.calendar, due_date, DAY_36, label=m.label)
    due = counted.due
    reason = (
        not_in_force(LIVE, m.event.on) or ctx.scope
        or (ctx.bankruptcy_reason(due_date, due, duty="live_contact", cite=LIVE_BANKRUPTCY_CITE) if ctx.bankruptcies
            else None)
        or _ceased(ctx, due) or cured(m, due, day=DAY_36, cite="comment 39(a)-1.i", arrears=ctx.arrears)
    )
    if reason is not None:
        return inapplicable_at(ev, LIVE, m.trigger, reason, steps=counted.lines)
    found = None
    for pair in efforts:
        if pair[0].on > due_date:
            found = pair
            break
    flags = _live_flags(ctx, due, found[1] if found else None)
    steps = partial(_live_steps, counted, due_date, ev.readings.live_contact_satisfied_by, found)
    return due_clock(ev, LIVE, m.trigger, due=due, steps=steps, satisfier=found[0] if found else None, flags=flags)


def _live_steps(
    counted: Count, due_date: date, reading: str, found: tuple[CaseEvent, str] | None
) -> tuple[str, ...]:
    steps = (*counted.steps, f"window ({due_date}, {counted.due}]: live contact by phone or in person, or good-faith "
             f"efforts (comments 39(a)-1, -3; reading: {reading})")
    if found is None:
        return steps
    data = found[0].data
    return (*steps, f"{found[1].replace('_', ' ')}: {data.channel} {data.direction} "  # type: ignore[attr-defined]
            f"({data.outcome}) on {found[0].on}")  # type: ignore[attr-defined]


def _ceased(ctx: EarlyIntervention, due: date) -> str | None:
    cease = ctx.fdcpa_cease
    if cease is None or cease.on > due:  # ctx.fdcpa_ceased(due)
        return None
    return (f"the servicer is an FDCPA debt collector and a cease-communication notice was received on {cease.on}: "
            "exempt from live contact (12 CFR 1024.39(d)(1))")


def _live_flags(ctx: EarlyIntervention, due: date, kind: str | None) -> tuple[str, ...]:
    flags = []
    if kind == "good_faith_effort":
        flags.append("good_faith_effort")
    if ctx.cease_by(due) is not None:
        # 39(d) exempts only FDCPA debt collectors; others still owe live contact after an 805(c) notice.
        flags.append("cease_communication_not_debt_collector")
    if kind is None and ctx.first_application is not None and ctx.first_application <= due:
        # Comment 39(a)-6: ongoing 1024.41 contact may satisfy 39(a); the log does not show it, so say so.
        flags.append("lm_contact_may_satisfy_39a")
    return tuple(flags)


def assign_personnel(ctx: EarlyIntervention, m: Installment) -> Clock:
    """40(a)(1): personnel by the written notice and in any event by the 45th day of the delinquency."""
    ev, due_date, day45 = ctx.ev, m.due_date, m.day45
    reason = (
        not_in_force(PERSONNEL, m.event.on) or ctx.scope or _not_first(m)
        or cured(m, day45.due, day=DAY_45, cite="12 CFR 1024.40(a)(1)", arrears=ctx.arrears)
    )
    if reason is not None:
        return inapplicable_at(ev, PERSONNEL, m.trigger, reason, steps=day45.lines)
    notice = ctx.notice_after(m.event, not_before=due_date + ONE_DAY)
    counted, early = day45, None
    if notice is not None and notice.on < day45.due:
        counted = count_calendar_days(ev.calendar, due_date, (notice.on - due_date).days, label=m.label)
        early = notice
    satisfier, line = _assignment(ctx.assignments, due_date, counted.due)
    steps = partial(_personnel_steps, counted, day45.due, early, line)
    return due_clock(ev, PERSONNEL, m.trigger, due=counted.due, steps=steps, satisfier=satisfier)


def _personnel_steps(
    counted: Count, day45: date, notice: CaseEvent | None, line: tuple[str, ...]
) -> tuple[str, ...]:
    if notice is None:
        return (*counted.steps, *line)
    return (*counted.steps, f"the written notice was provided on {notice.on}, before day 45 ({day45}): "
            "personnel must be assigned by then (12 CFR 1024.40(a)(1))", *line)


def _not_first(m: Installment) -> Reason:
    episode = m.episode
    if episode is None or episode.start == m.due_date:
        return None
    return partial(NOT_FIRST.format, episode.start)


def _assignment(
    assigned: tuple[CaseEvent, ...], due_date: date, due: date
) -> tuple[CaseEvent | None, tuple[str, ...]]:
    if not assigned:
        return None, ()
    during = next((e for e in assigned if e.on > due_date), None)
    standing = [e for e in assigned if e.on <= due_date]
    if standing and (during is None or during.on > due):
        # Personnel assigned before the delinquency stay assigned (40(a)(2) availability continues).
        return standing[-1], (f"personnel already assigned on {standing[-1].on} ({standing[-1].type}) still stand",)
    return during, ()

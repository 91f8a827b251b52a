"""Early intervention (12 CFR 1024.39(a)) and continuity of contact (1024.40(a)) per missed installment."""

from __future__ import annotations

from datetime import date, timedelta

from compliance.clock import Clock
from compliance.deadlines import label
from compliance.derived_deadline import calendar_days, derived_deadline, inapplicable_clock
from compliance.ei_scope import EarlyIntervention, cured_reason, not_in_force, subpart_c_scope
from compliance.envelope import CaseEvent
from compliance.evaluation import Evaluation
from compliance.rulebook import rule
from compliance.written_notice import NOTICE, written_notice_clocks

LIVE = rule("ei_live_contact")
PERSONNEL = rule("coc_assign_personnel")
DAY_36, DAY_45 = 36, 45
REACHABLE = frozenset({"borrower", "co_borrower", "authorized_third_party"})
VOICE = frozenset({"phone", "in_person"})
# Comment 39(a)-3: calls that ring, are busy or reach voicemail are good-faith efforts; a wrong number is not.
EFFORTS = frozenset({"left_message", "no_answer", "busy"})


def clocks(ev: Evaluation) -> list[Clock]:
    """Every ei_live_contact, ei_written_notice and coc_assign_personnel clock of the case."""
    ctx = EarlyIntervention.of(ev)
    efforts = tuple((c, kind) for c in ctx.contacts if (kind := contact_kind(ev, c)) is not None)
    out: list[Clock] = []
    for missed in ctx.arrears.missed:
        out += [live_contact(ctx, missed, efforts), assign_personnel(ctx, missed)]
    out += written_notice_clocks(ctx)
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


def live_contact(ctx: EarlyIntervention, missed: CaseEvent, efforts: tuple[tuple[CaseEvent, str], ...]) -> Clock:
    """39(a): live contact or good-faith efforts in (due date, due date + 36] (comment 39(a)-1.i.A).

    `efforts` are the case's 39(a) contacts in the order they happened, each with its kind (see contact_kind).
    """
    ev, due_date = ctx.ev, missed.data.due_date  # type: ignore[attr-defined]
    counted = calendar_days(ev.calendar, due_date, DAY_36, label(missed))
    due = counted.due
    reason = (
        not_in_force(LIVE, missed.on) or subpart_c_scope(ev)
        or ctx.bankruptcy_reason(due_date, due, duty="live_contact", cite="12 CFR 1024.39(c)(1)(i)")
        or _ceased(ctx, due) or cured_reason(ctx.arrears, due_date, due, day=DAY_36, cite="comment 39(a)-1.i")
    )
    if reason is not None:
        return inapplicable_clock(ev, LIVE, missed, reason, steps=counted.steps)
    found = next((pair for pair in efforts if pair[0].on > due_date), None)
    steps = [*counted.steps, f"window ({due_date}, {due}]: live contact by phone or in person, or good-faith "
             f"efforts (comments 39(a)-1, -3; reading: {ev.readings.live_contact_satisfied_by})"]
    flags = _live_flags(ctx, due, found[1] if found else None)
    if found is not None:
        steps.append(f"{found[1].replace('_', ' ')}: {found[0].data.channel} {found[0].data.direction} "  # type: ignore[attr-defined]
                     f"({found[0].data.outcome}) on {found[0].on}")  # type: ignore[attr-defined]
    return derived_deadline(ev, LIVE, missed, due=due, steps=tuple(steps), satisfier=found[0] if found else None,
                            flags=flags)


def _ceased(ctx: EarlyIntervention, due: date) -> str | None:
    cease = ctx.fdcpa_ceased(due)
    if cease is None:
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


def assign_personnel(ctx: EarlyIntervention, missed: CaseEvent) -> Clock:
    """40(a)(1): personnel by the written notice and in any event by the 45th day of the delinquency."""
    ev, due_date = ctx.ev, missed.data.due_date  # type: ignore[attr-defined]
    day45 = calendar_days(ev.calendar, due_date, DAY_45, label(missed))
    reason = (
        not_in_force(PERSONNEL, missed.on) or subpart_c_scope(ev) or _not_first(ctx, due_date)
        or cured_reason(ctx.arrears, due_date, day45.due, day=DAY_45, cite="12 CFR 1024.40(a)(1)")
    )
    if reason is not None:
        return inapplicable_clock(ev, PERSONNEL, missed, reason, steps=day45.steps)
    notice = ctx.notice_after(missed, not_before=due_date + timedelta(days=1))
    counted, steps = day45, list(day45.steps)
    if notice is not None and notice.on < day45.due:
        counted = calendar_days(ev.calendar, due_date, (notice.on - due_date).days, label(missed))
        steps = [*counted.steps, f"the written notice was provided on {notice.on}, before day 45 ({day45.due}): "
                 "personnel must be assigned by then (12 CFR 1024.40(a)(1))"]
    satisfier, line = _assignment(ctx.assignments, due_date, counted.due)
    return derived_deadline(ev, PERSONNEL, missed, due=counted.due, steps=(*steps, *line), satisfier=satisfier)


def _not_first(ctx: EarlyIntervention, due_date: date) -> str | None:
    episode = ctx.arrears.episode_on(due_date)
    if episode is None or episode.start == due_date:
        return None
    return (f"personnel are assigned once per delinquency (12 CFR 1024.40(a)(1)); this one began on {episode.start} "
            "and is covered by that installment's clock")


def _assignment(
    assigned: tuple[CaseEvent, ...], due_date: date, due: date
) -> tuple[CaseEvent | None, tuple[str, ...]]:
    during = next((e for e in assigned if e.on > due_date), None)
    standing = [e for e in assigned if e.on <= due_date]
    if standing and (during is None or during.on > due):
        # Personnel assigned before the delinquency stay assigned (40(a)(2) availability continues).
        return standing[-1], (f"personnel already assigned on {standing[-1].on} ({standing[-1].type}) still stand",)
    return during, ()

"""Rule family foreclosure_bars: the 120-day bar (41(f)(1)) and the dual-tracking bars (41(f)(2), (g))."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from functools import partial

from compliance.applications import precedes
from compliance.bar_release import release
from compliance.clock import Clock, Status, then
from compliance.deadlines import label
from compliance.delinquency_timeline import OldestUnpaid
from compliance.duplicates import Screened
from compliance.envelope import CaseEvent
from compliance.evaluation import Evaluation
from compliance.history import History
from compliance.loss_mitigation import screenings
from compliance.periods import bar, cancelled, not_applicable
from compliance.predicates import Facts, first_failure, regx_scope_41j, transferee_date_lines
from compliance.rulebook import Rule, rule
from timelines.counting import Count, count_calendar_days, weekday_label

BAR_120 = rule("fc_120_day_bar")
REFERRAL = rule("fc_referral_bar_complete_app")
SALE = rule("fc_sale_bar_dual_tracking")
# 41(g): no motion for judgment or order of sale, and no sale, while the application is pending.
SALE_STEPS = ("foreclosure_motion_filed", "foreclosure_sale_held")
FILING = ("first_notice_or_filing_made",)
_new = tuple.__new__
_NO_MORE_FACTS = (None,) * (len(Facts._fields) - 3)  # every Facts field after the trigger defaults to None
_DAY_121: dict[tuple[object, date, str], Count] = {}
DAY_121_MEMO_LIMIT = 1 << 16


def clocks(ev: Evaluation) -> list[Clock]:
    """Every clock of this family for the case."""
    timeline = OldestUnpaid.of(ev.history)
    missed_all = ev.history.of_type("payment_missed")
    out = []
    if missed_all:
        # What every installment's bar reads alike: the filings made, and whether 41(j) scope holds (per case).
        filings = ev.history.happened(*FILING)
        in_scope = regx_scope_41j(_facts(ev, BAR_120, missed_all[0])) is None
        out = [day_120_bar(ev, missed, timeline, filings=filings, in_scope=in_scope) for missed in missed_all]
    out += [c for c in (filing_while_current(ev, f, timeline) for f in ev.history.of_type(*FILING)) if c is not None]
    for screened in screenings(ev):
        for completion in screened.life.completions:
            out.append(application_bar(ev, screened, completion, REFERRAL, FILING))
            out.append(application_bar(ev, screened, completion, SALE, SALE_STEPS))
    return out


def day_120_bar(
    ev: Evaluation, missed: CaseEvent, timeline: OldestUnpaid, *, filings: tuple[CaseEvent, ...] | None = None,
    in_scope: bool | None = None,
) -> Clock:
    """41(f)(1): no first notice or filing until more than 120 days delinquent: oldest unpaid due date + 121.

    `filings` (the first notices or filings made) and `in_scope` (41(j) scope) are the case's, given once per case.
    """
    due: date = missed.data.due_date  # type: ignore[attr-defined]
    counted = _day_121(ev, missed, due)
    not_before = counted.due
    steps = partial(_bar_lines, counted)
    facts = _facts(ev, BAR_120, missed)
    reason = first_failure(facts)
    if in_scope is None:
        in_scope = regx_scope_41j(facts) is None
    if filings is None:
        filings = ev.history.happened(*FILING)
    violations = [f for f in filings if f.on < not_before and timeline.on(f.on) == due] if in_scope and filings \
        else ()
    if violations:
        finding = f"first notice or filing on {violations[0].on}, while this installment's bar stood (41(f)(1))"
        return bar(ev, BAR_120, missed, not_before=not_before, status="breached", steps=then(steps, (finding,)),
                   finding=finding)
    status: Status = "open" if ev.as_of < not_before else "met"
    if reason is None:
        return bar(ev, BAR_120, missed, not_before=not_before, status=status, steps=steps)
    paid = _paid_on(ev, due) if in_scope else None
    if paid is not None and timeline.ever(due):
        now = timeline.on(ev.as_of)
        moved = f"the bar now runs from the installment due {now}" if now else "the borrower is current"
        clock = bar(ev, BAR_120, missed, not_before=not_before, status=status, steps=steps)
        return cancelled(clock, reason=f"installment due {due} paid on {paid}; {moved} (comment 31 Delinquency-2)")
    return not_applicable(ev, BAR_120, missed, reason)


def _facts(ev: Evaluation, which: Rule, trigger: CaseEvent) -> Facts:
    # Facts(ev, which, trigger) in one C call: the named tuple's generated __new__ fills five defaults in Python.
    return _new(Facts, (ev, which, trigger, *_NO_MORE_FACTS))


def _day_121(ev: Evaluation, missed: CaseEvent, due: date) -> Count:
    # The count's label names the due date, so (calendar, due date, trigger type) decides it: memoised on that.
    key = (ev.calendar, due, missed.type)
    counted = _DAY_121.get(key)
    if counted is None:
        if len(_DAY_121) >= DAY_121_MEMO_LIMIT:
            _DAY_121.clear()
        counted = _DAY_121[key] = count_calendar_days(ev.calendar, due, 121, label=f"{label(missed)}, due {due}")
    return counted


def _bar_lines(counted: Count) -> tuple[str, ...]:
    return (*[s for s in counted.steps if not s.startswith("no roll-forward")],
            f"more than 120 days delinquent from day 121: first notice or filing permitted on or after {counted.due} "
            "(12 CFR 1024.41(f)(1)(i); 1024.31 days delinquent = date - oldest unpaid due date)")


def filing_while_current(ev: Evaluation, filing: CaseEvent, timeline: OldestUnpaid) -> Clock | None:
    """41(f)(1): a first notice or filing while nothing is due and unpaid is made before any bar could lift."""
    if timeline.on(filing.on) is not None or regx_scope_41j(_facts(ev, BAR_120, filing)):
        return None
    if not ev.history.of_type("payment_missed"):
        # No installment history at all is missing data, not proof that the borrower was current.
        reason = "no missed payment is recorded for the case, so the 120-day bar cannot be computed"
        return not_applicable(ev, BAR_120, filing, reason, flags=("delinquency_history_missing",))
    finding = f"first notice or filing on {filing.on} while the borrower was not delinquent (41(f)(1))"
    return bar(ev, BAR_120, filing, not_before=None, status="breached", steps=(finding,), finding=finding,
               flags=("filing_without_delinquency",))


def _paid_on(ev: Evaluation, due: date) -> date | None:
    """The legal date of the installment's last payment, if any (one pass over the payments per case)."""
    return ev.history.memo("last_payments", _last_payments).get(due)


def _last_payments(history: History) -> dict[date, date]:
    # Installment due date -> legal date of its last installment_paid, in the order they happened.
    paid: dict[date, date] = {}
    for event in history.happened("installment_paid"):
        paid[event.data.due_date] = event.on  # type: ignore[attr-defined]
    return paid


def _happened(ev: Evaluation, types: Sequence[str]) -> list[CaseEvent]:
    # Earliest first (late entries by their legal date), so a finding names the first prohibited step.
    return list(ev.history.happened(*types))


def application_bar(
    ev: Evaluation, screened: Screened, completion: CaseEvent, which: Rule, prohibited: Sequence[str]
) -> Clock:
    """41(f)(2) / (g): the step is barred from the first (facial) completion until a release condition is met."""
    life = screened.life
    first = life.first_completion
    if first is not None and completion.id != first.id:
        earlier = f"the bar runs from the first completion on {first.on} (12 CFR 1024.41(c)(2)(iv))"
        return not_applicable(ev, which, completion, earlier)
    facts = Facts(ev, which, completion, life=life, measured_on=completion.on, excused=screened.excused)
    steps: tuple[str, ...] = (f"day 0 {weekday_label(completion.on)} ({label(completion)}): the bar starts",)
    if which is SALE:
        steps += (facts.proximity().line(38, what="complete", cite=which.citation), *transferee_date_lines(facts))
    reason = first_failure(facts)
    if reason is not None:
        return not_applicable(ev, which, completion, reason, steps=steps)
    lifted = release(ev, which, life, completion)
    steps += lifted.steps
    taken = [e for e in _happened(ev, prohibited) if precedes(completion, e)]
    violations = [e for e in taken if lifted.on is None or e.on < lifted.on]
    if violations:
        finding = f"{violations[0].type} on {violations[0].on} while the bar was in force ({which.citation})"
        return bar(ev, which, completion, not_before=lifted.on, status="breached", steps=(*steps, finding),
                   finding=finding, flags=lifted.flags)
    status: Status = "met" if lifted.on is not None and ev.as_of >= lifted.on else "open"
    return bar(ev, which, completion, not_before=lifted.on, status=status, steps=steps, flags=lifted.flags)

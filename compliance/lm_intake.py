"""1024.41(b) and (c)(2)(iii): acknowledging an application, its reasonable date, short-term option notices."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from functools import partial

from compliance.applications import answers_for
from compliance.clock import Clock, Status, then
from compliance.deadlines import clock_id, deadline, trigger_of
from compliance.delinquency import oldest_unpaid
from compliance.duplicates import Screened
from compliance.envelope import CaseEvent
from compliance.evaluation import Evaluation
from compliance.payload import field_of
from compliance.periods import annotate, cancelled, not_applicable
from compliance.predicates import Facts, first_failure
from compliance.proximity import proximity_lines
from compliance.rulebook import rule
from compliance.sale import sale_date_on
from timelines.counting import weekday_label

ACK = rule("lm_ack_notice")
REASONABLE = rule("lm_reasonable_date")
SHORT_TERM = rule("lm_short_term_notice")


def ack_notice(ev: Evaluation, screened: Screened, received: CaseEvent) -> Clock:
    """41(b)(2)(i)(B): acknowledge within 5 business days of receipt, if received 45 days or more before a sale."""
    facts = Facts(ev, ACK, received, life=screened.life, measured_on=received.on, excused=screened.excused)
    steps = proximity_lines(facts.proximity(), 45, what="received", cite="12 CFR 1024.41(b)(2)(i)",
                            more=screened.notes)
    reason = first_failure(facts)
    if reason is not None:
        return not_applicable(ev, ACK, received, reason, steps=steps)
    return deadline(ev, ACK, received, key="application_id", extra_steps=steps)


def reasonable_date(ev: Evaluation, screened: Screened, notice: CaseEvent) -> Clock:
    """41(b)(2)(ii): the latest return_by an incomplete-application notice may give (advisory)."""
    facts = Facts(ev, REASONABLE, notice, life=screened.life, excused=screened.excused)
    reason = first_failure(facts)
    if reason is not None:
        return not_applicable(ev, REASONABLE, notice, reason)
    due, steps = reasonable_due(ev, notice.on)
    clock = Clock(
        id=clock_id(REASONABLE.id, notice), rule=REASONABLE.id, citation=REASONABLE.citation,
        kind=REASONABLE.kind, trigger=trigger_of(notice), status="open", calendar=ev.calendar.name, due=due,
        derivation=steps,
    )
    return _unrecorded_completion(screened, notice, _judge_return_by(ev, clock, notice))


def _unrecorded_completion(screened: Screened, notice: CaseEvent, clock: Clock) -> Clock:
    """Flags documents that supplied every item the notice listed when no application_completed is recorded.

    41(c)(2)(iv) makes an application facially complete once the borrower sends everything the (b)(2)(i)(B)
    notice asked for, and the complete-application clocks (c)(1), (c)(3), (f)(2), (g) run from then. Item names
    are free text, so a match is not taken as the completion (that would be a silent guess): it is flagged, so
    that a reviewer records the completion or explains why the application is still incomplete.
    """
    life = screened.life
    wanted = {str(item).strip().casefold() for item in field_of(notice.data, "missing_items", default=[]) or []}
    if not wanted or life.completions:
        return clock
    for documents in life.after(notice, "application_documents_received"):
        wanted -= {str(item).strip().casefold() for item in field_of(documents.data, "items", default=[]) or []}
        if not wanted:
            line = (f"documents received {documents.on} supply every item this notice listed: the application "
                    "was facially complete then (12 CFR 1024.41(c)(2)(iv)), but no application_completed is "
                    "recorded, so the complete-application clocks are not running")
            return annotate(clock, steps=(line,), flags=("missing_items_received_no_completion_recorded",))
    return clock


def latest_reasonable_date(ev: Evaluation, notice_on: date) -> tuple[date, tuple[str, ...]]:
    """max(notice + 7, min(notice + 30, milestones still ahead)) with a line per candidate (comments -1..-3)."""
    due, steps = reasonable_due(ev, notice_on)
    return due, steps()


def reasonable_due(ev: Evaluation, notice_on: date) -> tuple[date, Callable[[], tuple[str, ...]]]:
    """latest_reasonable_date with its lines as a recipe, written only when read (most clocks are never printed)."""
    milestones = _milestones(ev, notice_on)
    candidates = [notice_on + timedelta(days=30), *(m[0] for m in milestones if m[0] > notice_on)]
    earliest, floor = min(candidates), notice_on + timedelta(days=7)
    return max(floor, earliest), partial(_reasonable_lines, notice_on, milestones, earliest, floor)


def _reasonable_lines(
    notice_on: date, milestones: list[tuple[date, str, date]], earliest: date, floor: date
) -> tuple[str, ...]:
    steps = [f"day 0 {weekday_label(notice_on)} (acknowledgment notice provided)",
             f"candidate notice + 30 = {notice_on + timedelta(days=30)} (comment 41(b)(2)(ii)-1)"]
    for day, template, base in milestones:
        what = template.format(base)
        if day > notice_on:
            steps.append(f"candidate {what} = {day} (comment 41(b)(2)(ii)-2)")
        else:
            steps.append(f"disregarded {what} = {day}: not after the notice date (comment 41(k)(2)(ii)-3)")
    steps.append("stale-document date: no event records one, so it is not a candidate")
    steps.append(f"earliest candidate {earliest}; floor notice + 7 = {floor} (comment 41(b)(2)(ii)-3 prevails)")
    steps.append(f"latest reasonable date {weekday_label(max(floor, earliest))}")
    return tuple(steps)


def _milestones(ev: Evaluation, notice_on: date) -> list[tuple[date, str, date]]:
    # (day, wording template, the date it is derived from): the wording is written only with the lines.
    out = []
    oldest = oldest_unpaid(ev.history, notice_on)
    if oldest is not None:
        out.append((oldest + timedelta(days=120), "120th day of delinquency (oldest unpaid {} + 120)", oldest))
    sale = sale_date_on(ev.history, notice_on)
    if sale is not None:
        out.append((sale - timedelta(days=90), "sale {} - 90", sale))
        out.append((sale - timedelta(days=38), "sale {} - 38", sale))
    return out


def _judge_return_by(ev: Evaluation, clock: Clock, notice: CaseEvent) -> Clock:
    given: date | None = notice.data.return_by  # type: ignore[attr-defined]
    due = clock.due or notice.on
    floor = notice.on + timedelta(days=7)
    if given is None:
        finding = None if ev.as_of <= due else "the acknowledgment recorded no return_by date (41(b)(2)(i)(B))"
        status: Status = "open" if finding is None else "breached"
        steps = ("return_by: none recorded on the acknowledgment",)
        return clock.replace(status=status, finding=finding, flags=("return_by_not_recorded",),
                       derivation=then(clock.steps, steps))
    if given > due or given < floor:
        bound = f"later than the latest reasonable date {due}" if given > due else f"earlier than notice + 7 ({floor})"
        finding = f"return_by {given} is {bound} (12 CFR 1024.41(b)(2)(ii))"
        return clock.replace(status="breached", finding=finding, met_by=notice.id, met_on=notice.on,
                       derivation=then(clock.steps, (f"return_by {given}: {bound}",)))
    return clock.replace(status="met", met_by=notice.id, met_on=notice.on,
                   derivation=then(clock.steps, (f"return_by {given}: within [{floor}, {due}]",)))


def short_term_notice(ev: Evaluation, screened: Screened, offer: CaseEvent) -> Clock:
    """41(c)(2)(iii), comment -6: written notice of a short-term option within the 5-day safe harbor."""
    facts = Facts(ev, SHORT_TERM, offer, life=screened.life, excused=screened.excused)
    reason = first_failure(facts)
    if reason is not None:
        return not_applicable(ev, SHORT_TERM, offer, reason)
    clock = deadline(ev, SHORT_TERM, offer, key="application_id")
    option = offer.data.option  # type: ignore[attr-defined]
    rejections = [
        r for r in answers_for(ev.history, screened.life.application_id, ("offer_rejected",))
        if r.data.option == option and (r.on, r.version) > (offer.on, offer.version)  # type: ignore[attr-defined]
    ]
    early = [r for r in rejections if clock.due and r.on <= clock.due and (clock.met_on is None or r.on < clock.met_on)]
    if early:
        return cancelled(clock, reason=f"the borrower rejected the {option} offer on {early[0].on} (41(c)(2)(iii))")
    return clock

"""Applicability tests shared by the early-intervention, continuity-of-contact and contact-check rules."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import partial
from typing import NamedTuple

from compliance.arrears import Arrears, Episode
from compliance.bankruptcy import BankruptcyCase, bankruptcy_cases, exempting_case, resumes_on
from compliance.clock import Reason, Trigger
from compliance.deadlines import label, trigger_of
from compliance.envelope import CaseEvent
from compliance.evaluation import Evaluation
from compliance.history import History
from compliance.rulebook import Rule
from timelines.counting import Count, count_calendar_days

DAY_45 = 45
_new = tuple.__new__


def not_in_force(rule: Rule, day: date) -> str | None:
    """Effective dating (rulebook §5): why no version of the rule governs a trigger dated `day`, else None."""
    if rule.effective_from <= day and (rule.effective_to is None or day < rule.effective_to):  # in_force_on
        return None
    if day < rule.effective_from:
        return f"{rule.citation} took effect on {rule.effective_from}; the trigger is dated {day}"
    return f"{rule.citation} ceased to apply on {rule.effective_to}; the trigger is dated {day}"


def subpart_c_scope(ev: Evaluation) -> str | None:
    """1024.30: 1024.39-1024.41 bind servicers of principal-residence loans; small servicers are exempt."""
    if not ev.profile.principal_residence:
        return "the property is not the borrower's principal residence (12 CFR 1024.30(c)(2))"
    if ev.profile.small_servicer:
        return "small servicer: exempt from 1024.38-1024.41 except 1024.41(j) (12 CFR 1024.30(b)(1))"
    return None


def first_cease(ev: Evaluation) -> CaseEvent | None:
    """The first FDCPA 805(c) cease-communication notice received (none is ever revoked in the contract)."""
    return ev.history.memo("first_cease", _first_cease)


def _first_cease(history: History) -> CaseEvent | None:
    found = history.of_type("cease_communication_received")
    return min(found, key=lambda e: (e.on, e.version)) if found else None


@dataclass(frozen=True)
class EarlyIntervention:
    """What the 1024.39/1024.40 clocks read, folded once per case: arrears, bankruptcy cases, notices sent."""

    ev: Evaluation
    arrears: Arrears
    bankruptcies: tuple[BankruptcyCase, ...]
    notices: tuple[CaseEvent, ...]
    cease: CaseEvent | None = None
    # Chronological contact_logged, personnel/case assignments and the first application's date.
    contacts: tuple[CaseEvent, ...] = ()
    assignments: tuple[CaseEvent, ...] = ()
    first_application: date | None = None
    # subpart_c_scope(ev), and the cease notice if it binds an FDCPA debt collector (39(d)): per case, not per clock.
    scope: str | None = None
    fdcpa_cease: CaseEvent | None = None

    @classmethod
    def of(cls, ev: Evaluation) -> EarlyIntervention:
        """Fold the case's history once for every early-intervention clock."""
        happened = ev.history.happened
        applications = happened("application_received")
        personnel, routed = happened("personnel_assigned"), happened("case_assigned")
        assignments = tuple(sorted((*personnel, *routed), key=_on_version)) if personnel and routed else (
            personnel or routed)
        cease = first_cease(ev)
        return cls(
            ev, Arrears.of(ev.history), bankruptcy_cases(ev.history), happened("early_intervention_notice_sent"),
            cease, happened("contact_logged"), assignments, applications[0].on if applications else None,
            subpart_c_scope(ev), cease if ev.profile.fdcpa_debt_collector else None,
        )

    def cease_by(self, day: date) -> CaseEvent | None:
        """The cease-communication notice, if it was received on or before `day`."""
        return self.cease if self.cease is not None and self.cease.on <= day else None

    def fdcpa_ceased(self, day: date) -> CaseEvent | None:
        """39(d): the cease notice binding a servicer that is an FDCPA debt collector, if received by `day`."""
        cease = self.fdcpa_cease
        return cease if cease is not None and cease.on <= day else None

    def bankruptcy_reason(self, start: date, due: date, *, duty: str, cite: str) -> str | None:
        """Why a clock over (start, due] is exempt under 39(c)(1) (the borrower was a debtor), else None."""
        if not self.bankruptcies:
            return None
        case = exempting_case(self.bankruptcies, self.arrears, start, due, duty=duty)
        if case is None:
            return None
        resume = resumes_on(case, self.arrears, duty=duty)
        if resume is not None:
            until = f"; the duty resumed after the next due date, {resume} (1024.39(c)(2)(i))"
        elif case.how == "discharged":
            until = "; after a discharge it does not resume (1024.39(c)(2)(ii))"
        else:
            until = ""
        return f"a borrower was a debtor in bankruptcy ({case.describe()}) during this period: exempt ({cite}){until}"

    def notice_after(self, event: CaseEvent, *, not_before: date | None = None) -> CaseEvent | None:
        """The first written notice sent after `event` (same day: later in the log), or from `not_before` on."""
        for notice in self.notices:
            if not_before is not None and notice.on >= not_before:
                return notice
            if not_before is None and (notice.on, notice.version) > (event.on, event.version):
                return notice
        return None


class Installment(NamedTuple):
    """A missed installment as the 1024.39/1024.40 clocks read it, with what their three clocks share."""

    event: CaseEvent
    due_date: date
    label: str
    trigger: Trigger
    # The continuous delinquency under way on the due date, and the due date + 45 count.
    episode: Episode | None
    day45: Count


def installment(ctx: EarlyIntervention, missed: CaseEvent) -> Installment:
    """The shared reading of one missed installment (its due date is day 0 of every clock it starts)."""
    due_date = missed.data.due_date  # type: ignore[attr-defined]
    text = label(missed)
    # Installment(...) in one C call (a named tuple's generated __new__ is a Python frame): one per installment.
    return _new(Installment, (missed, due_date, text, trigger_of(missed), ctx.arrears.episode_on(due_date),
                              count_calendar_days(ctx.ev.calendar, due_date, DAY_45, label=text)))


PAID_BY_DUE = "the installment due {} was paid by its due date: no delinquency ({})"
CURRENT_FROM = "the borrower was current from {}, before day {} ({}): not required ({})"


def cured(m: Installment, due: date, *, day: int, cite: str, arrears: Arrears) -> Reason:
    """cured_reason for a shared installment reading; the reason is written only when read."""
    episode = m.episode
    if episode is None:
        return partial(PAID_BY_DUE.format, m.due_date, cite)
    if episode.end is None or episode.end > due:
        return None  # delinquent throughout [due date, due]
    if arrears.oldest_unpaid(due) == m.due_date:
        # Paid, then missed again (a returned payment): on day N this installment is again the oldest unpaid, so
        # day N is the Nth day of delinquency (rulebook §2.5: oldest unpaid due date + N) and the duty stands.
        return None
    return partial(CURRENT_FROM.format, episode.end, day, due, cite)


def _on_version(event: CaseEvent) -> tuple[date, int]:
    return event.on, event.version


def cured_reason(arrears: Arrears, due_date: date, due: date, *, day: int, cite: str) -> str | None:
    """Why a clock of the installment `due_date` lapsed: the delinquency ended before its day `day` ({due})."""
    episode = arrears.episode_on(due_date)
    if episode is not None and (episode.end is None or episode.end > due):
        return None  # delinquent throughout [due_date, due]
    if episode is None:
        return f"the installment due {due_date} was paid by its due date: no delinquency ({cite})"
    if arrears.oldest_unpaid(due) == due_date:
        return None  # missed again after a payment (see cured): again the oldest unpaid on day N
    return f"the borrower was current from {episode.end}, before day {day} ({due}): not required ({cite})"

"""Applicability tests shared by the early-intervention, continuity-of-contact and contact-check rules."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from compliance.arrears import Arrears
from compliance.bankruptcy import BankruptcyCase, bankruptcy_cases, exempting_case, resumes_on
from compliance.envelope import CaseEvent
from compliance.evaluation import Evaluation
from compliance.rulebook import Rule


def not_in_force(rule: Rule, day: date) -> str | None:
    """Effective dating (rulebook §5): why no version of the rule governs a trigger dated `day`, else None."""
    if rule.in_force_on(day):
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
    found = ev.history.of_type("cease_communication_received")
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

    @classmethod
    def of(cls, ev: Evaluation) -> EarlyIntervention:
        """Fold the case's history once for every early-intervention clock."""
        grouped: dict[str, list[CaseEvent]] = {}
        for event in ev.history.chronological:
            grouped.setdefault(event.type, []).append(event)
        applications = grouped.get("application_received")
        return cls(
            ev, Arrears.of(ev.history), bankruptcy_cases(ev.history),
            tuple(grouped.get("early_intervention_notice_sent", ())),
            first_cease(ev), tuple(grouped.get("contact_logged", ())),
            tuple(sorted((*grouped.get("personnel_assigned", ()), *grouped.get("case_assigned", ())),
                         key=lambda e: (e.on, e.version))),
            applications[0].on if applications else None,
        )

    def cease_by(self, day: date) -> CaseEvent | None:
        """The cease-communication notice, if it was received on or before `day`."""
        return self.cease if self.cease is not None and self.cease.on <= day else None

    def fdcpa_ceased(self, day: date) -> CaseEvent | None:
        """39(d): the cease notice binding a servicer that is an FDCPA debt collector, if received by `day`."""
        return self.cease_by(day) if self.ev.profile.fdcpa_debt_collector else None

    def bankruptcy_reason(self, start: date, due: date, *, duty: str, cite: str) -> str | None:
        """Why a clock over (start, due] is exempt under 39(c)(1) (the borrower was a debtor), else None."""
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


def cured_reason(arrears: Arrears, due_date: date, due: date, *, day: int, cite: str) -> str | None:
    """Why a clock of the installment `due_date` lapsed: the delinquency ended before its day `day` ({due})."""
    if arrears.delinquent_throughout(due_date, due):
        return None
    episode = arrears.episode_on(due_date)
    if episode is None:
        return f"the installment due {due_date} was paid by its due date: no delinquency ({cite})"
    return f"the borrower was current from {episode.end}, before day {day} ({due}): not required ({cite})"

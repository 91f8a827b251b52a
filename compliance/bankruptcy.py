"""Bankruptcy status over time: each case from its petition date to its end, and when 1024.39 duties resume."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from compliance.arrears import Arrears
from compliance.envelope import CaseEvent
from compliance.history import History


@dataclass(frozen=True)
class BankruptcyCase:
    """One bankruptcy case: filed (petition date, chapter), once known how and when it ended, and any relief from
    the automatic stay, which lifts the stay but leaves the borrower a debtor in the case (11 U.S.C. 362(d))."""

    filed: CaseEvent
    ended: CaseEvent | None = None
    relief: CaseEvent | None = None

    @property
    def petition(self) -> date:
        """The petition date: the borrower is a debtor from filing (comment 39(c)(1)-1)."""
        return self.filed.data.petition_date  # type: ignore[attr-defined, no-any-return]

    @property
    def ended_on(self) -> date | None:
        """The legal date the case ended (dismissed, discharged or closed; relief from stay does not end it)."""
        return self.ended.on if self.ended else None

    @property
    def how(self) -> str | None:
        """dismissed, discharged or closed."""
        return self.ended.data.how if self.ended else None  # type: ignore[attr-defined]

    def debtor_on(self, day: date) -> bool:
        """Whether the borrower is a debtor in this case on `day` (1024.39(c)(1): "while ... a debtor")."""
        return self.petition <= day and (self.ended_on is None or day < self.ended_on)

    def stayed_on(self, day: date) -> bool:
        """Whether the automatic stay (11 U.S.C. 362(a)) runs on `day`: a debtor, and no relief from it yet."""
        return self.debtor_on(day) and (self.relief is None or day < self.relief.on)

    def describe(self) -> str:
        """"chapter 13 petition 2026-03-02 (dismissed 2026-05-01)"."""
        chapter = self.filed.data.chapter  # type: ignore[attr-defined]
        relief = f"relief from stay {self.relief.on}" if self.relief else ""
        end = f"{self.how} {self.ended_on}" if self.ended else "pending"
        return f"chapter {chapter} petition {self.petition} ({', '.join(filter(None, (relief, end)))})"


def bankruptcy_cases(history: History) -> tuple[BankruptcyCase, ...]:
    """Each bankruptcy_filed paired with the first bankruptcy_ended on or after its petition date."""
    return history.memo("bankruptcy_cases", _pair_cases)


def _pair_cases(history: History) -> tuple[BankruptcyCase, ...]:
    if not history.happened("bankruptcy_filed"):
        return ()  # most cases: no petition, nothing to pair
    ordered = sorted(history.of_type("bankruptcy_ended"), key=lambda e: (e.on, e.version))
    ends = [e for e in ordered if e.data.how != "relief_from_stay"]  # type: ignore[attr-defined]
    reliefs = [e for e in ordered if e.data.how == "relief_from_stay"]  # type: ignore[attr-defined]
    cases = []
    for filed in sorted(history.of_type("bankruptcy_filed"), key=lambda e: (e.data.petition_date, e.version)):  # type: ignore[attr-defined]
        petition = filed.data.petition_date  # type: ignore[attr-defined]
        match = next((e for e in ends if e.on >= petition), None)
        if match is not None:
            ends.remove(match)
        relief = next((e for e in reliefs if e.on >= petition and (match is None or e.on < match.on)), None)
        if relief is not None:
            reliefs.remove(relief)
        cases.append(BankruptcyCase(filed, match, relief))
    return tuple(cases)


def debtor_case(cases: tuple[BankruptcyCase, ...], day: date) -> BankruptcyCase | None:
    """The bankruptcy case in which the borrower is a debtor on `day`, if any."""
    return next((c for c in cases if c.debtor_on(day)), None)


def stayed_case(cases: tuple[BankruptcyCase, ...], day: date) -> BankruptcyCase | None:
    """The bankruptcy case whose automatic stay runs on `day`, if any (none after relief from the stay)."""
    return next((c for c in cases if c.stayed_on(day)), None)


def resumes_on(case: BankruptcyCase, arrears: Arrears, *, duty: str) -> date | None:
    """When the exempted 1024.39 `duty` ("live_contact" or "written_notice") resumes; None: not (yet) known.

    39(c)(2)(i): after the next payment due date following dismissal, closure or reaffirmation;
    39(c)(2)(ii): after a discharge, live contact never resumes and the written notice only if the borrower
    made a partial or periodic payment after the case began.
    """
    if case.ended_on is None:
        return None
    if case.how == "discharged" and (duty == "live_contact" or not arrears.paid_since(case.petition)):
        return None
    return arrears.next_due_after(case.ended_on)


def exempting_case(
    cases: tuple[BankruptcyCase, ...], arrears: Arrears, start: date, due: date, *, duty: str
) -> BankruptcyCase | None:
    """The case whose 39(c)(1) exemption overlaps a clock running over (start, due], if any."""
    for case in cases:
        resume = resumes_on(case, arrears, duty=duty)
        if case.petition <= due and (resume is None or start < resume):
            return case
    return None

"""1024.41(i) repeat applications: when a new application is duplicative and owes no 1024.41 duties."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from compliance.applications import ApplicationLife
from compliance.clock import Clock
from compliance.delinquency_timeline import OldestUnpaid
from compliance.evaluation import Evaluation
from compliance.history import History

# The clocks that show whether the servicer "complied with the requirements of this section" for an
# earlier complete application (41(i)): acknowledgment, (c)(3) notice, evaluation and any appeal decision.
COMPLIANCE_RULES = ("lm_ack_notice", "lm_complete_notice", "lm_evaluate", "lm_appeal_decision")
UNFINISHED = ("open", "breached")


@dataclass(frozen=True)
class Screened:
    """An application, its 41(i) outcome (None: full duties) and the lines explaining it."""

    life: ApplicationLife
    excused: str | None
    notes: tuple[str, ...]


def screen(ev: Evaluation, life: ApplicationLife, prior: Sequence[tuple[Screened, Sequence[Clock]]]) -> Screened:
    """41(i): duplicative only of an earlier complete application fully complied with, delinquent throughout."""
    notes: list[str] = []
    for earlier, clocks in reversed(prior):
        why_not = _why_not_duplicate(ev, life, earlier, clocks)
        if why_not is None:
            first = earlier.life.first_completion
            reason = (
                f"duplicative of {earlier.life.application_id} (complete {first.on if first else '?'}): the servicer "
                f"fully complied with 1024.41 for it and the borrower has been delinquent at all times since "
                f"(12 CFR 1024.41(i); comment 41(i)-1)"
            )
            return Screened(life, reason, (*notes, f"41(i): {reason}"))
        if why_not:
            notes.append(f"41(i): not duplicative of {earlier.life.application_id}: {why_not}")
    return Screened(life, None, tuple(notes))


def _why_not_duplicate(
    ev: Evaluation, life: ApplicationLife, earlier: Screened, clocks: Sequence[Clock]
) -> str | None:
    # An empty string means "not a candidate at all" (no complete application), which needs no note.
    received, start = life.opened_on, earlier.life.first_completion
    if earlier.excused is not None or start is None or start.on > received:
        return ""
    decided = [d for d in earlier.life.decisions if d.on <= received]
    if not decided:
        return f"it had not been evaluated when {life.application_id} was received"
    unfinished = [c for c in clocks if c.rule in COMPLIANCE_RULES and c.status in UNFINISHED]
    if unfinished:
        return "the servicer did not fully comply (" + ", ".join(f"{c.rule} {c.status}" for c in unfinished) + ")"
    transfers = [t for t in ev.history.chronological
                 if t.type == "servicing_transferred" and _transferred_in(t, start.on, received)]
    if transfers:
        return f"servicing was transferred in on {transfers[0].on}: a transferee owes a full review (comment 41(i)-2)"
    current = first_day_current(ev.history, start.on, received)
    if current is not None:
        return f"the borrower was not delinquent on {current} (comment 41(i)-1)"
    return None


def _transferred_in(transfer: object, start: date, end: date) -> bool:
    data = transfer.data  # type: ignore[attr-defined]
    return bool(data.direction == "in" and start <= data.transfer_date <= end)


def first_day_current(history: History, start: date, end: date) -> date | None:
    """The first day in [start, end] on which no periodic payment was due and unpaid (1024.31), if any."""
    return OldestUnpaid.of(history).first_current(start, end)

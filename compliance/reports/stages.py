"""Where each loss mitigation application stands on a day: received, acknowledged, incomplete, complete,
evaluated, offer or appeal, and since when; None once its life in the pipeline is over.

An application leaves the pipeline when the borrower answers an offer or an option starts, when an appeal is
upheld, when a denial's appeal period has run (1024.41(h)(2): 14 days) or an offer's acceptance period has run
without an answer (1024.41(e)(2)(i): the borrower may then be treated as having rejected it), and when the
case is closed.
"""

from __future__ import annotations

from datetime import date, timedelta

from compliance.applications import ApplicationLife, answers_for, applications, order
from compliance.envelope import CaseEvent
from compliance.history import History
from compliance.reports.records import ApplicationRecord, Assignment
from compliance.rulebook import RULES_BY_ID

STAGES = ("received", "acknowledged", "incomplete", "complete", "evaluated", "offer", "appeal")
ENDED = "ended"
ANSWERS = ("offer_accepted", "offer_rejected", "option_started", "option_completed", "option_failed")
DECIDED = frozenset({"evaluated", "offer", "appeal"})
# 1024.41(h)(2) and (e)(1): at least 14 days to appeal a denial or to answer an offer.
APPEAL_PERIOD = timedelta(days=RULES_BY_ID["lm_appeal_window"].length or 14)
ACCEPT_PERIOD = timedelta(days=RULES_BY_ID["lm_accept_window"].length or 14)


def next_stage(stage: str | None, event: CaseEvent) -> str | None:
    """The stage after `event` (None: not in the pipeline yet)."""
    kind, data = event.type, event.data
    if kind == "application_received":
        return "received" if stage in (None, ENDED) else stage
    if kind == "application_acknowledged" and stage in (None, "received"):
        return "acknowledged" if getattr(data, "complete", False) else "incomplete"
    if kind == "application_completed":
        return "complete"
    if kind == "additional_information_requested":
        return "incomplete"
    if kind == "evaluation_decided":
        return "offer" if getattr(data, "outcome", None) == "offer" else "evaluated"
    if kind == "appeal_received":
        return "appeal"
    if kind == "appeal_decided":
        return "offer" if getattr(data, "outcome", None) == "reversed" else ENDED
    if kind in ANSWERS and stage is not None and (stage in DECIDED or getattr(data, "application_id", None)):
        # An answer recorded for this application ends it whatever its stage (a short-term option accepted
        # on an incomplete application, 1024.41(c)(2)(iii)); one recorded without an id only ends a decision.
        return ENDED
    return stage


def stage_of(life: ApplicationLife, history: History, *, as_of: date) -> tuple[str, date] | None:
    """(stage, since) of one application on `as_of`; None when it is not (or no longer) in the pipeline."""
    answers = answers_for(history, life.application_id, ANSWERS)
    seen = {e.id for e in life.events}
    events = sorted([*life.events, *(a for a in answers if a.id not in seen)], key=order)
    stage: str | None = None
    since, moved_by = as_of, None
    for event in (e for e in events if e.on <= as_of):
        after = next_stage(stage, event)
        if after != stage:
            stage, since, moved_by = after, event.on, event
    if stage is None or stage == ENDED or _lapsed(stage, moved_by, as_of=as_of):
        return None
    return stage, since


def _lapsed(stage: str, moved_by: CaseEvent | None, *, as_of: date) -> bool:
    """A denial nobody appealed, or an offer nobody answered, once the borrower's period has run."""
    if moved_by is None or moved_by.type not in ("evaluation_decided", "appeal_decided"):
        return False
    if stage == "evaluated":
        return as_of > moved_by.on + APPEAL_PERIOD
    deadline = getattr(moved_by.data, "acceptance_deadline", None)
    return stage == "offer" and as_of > (deadline or moved_by.on + ACCEPT_PERIOD)


def application_records(
    case_id: str, history: History, assignment: Assignment, *, as_of: date
) -> list[ApplicationRecord]:
    """The case's applications still in the pipeline on `as_of` (none once the case is closed)."""
    if any(e.on <= as_of for e in history.of_type("case_closed")):
        return []
    out = []
    for life in applications(history):
        found = stage_of(life, history, as_of=as_of)
        if found is not None:
            out.append(ApplicationRecord(case_id, life.application_id, found[0], found[1], life.opened_on,
                                         assignment.team, assignment.staff_id, assignment.manager_id))
    return out

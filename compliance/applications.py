"""Each loss mitigation application's life, folded from the case history by application_id (1024.41)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from compliance.envelope import CaseEvent
from compliance.history import History, computed_once
from compliance.payload import field_of

# Event types that carry an application_id and belong to one application's life (CONTRACT §2).
APPLICATION_TYPES = frozenset(
    {
        "application_received",
        "application_acknowledged",
        "application_documents_received",
        "application_completed",
        "additional_information_requested",
        "complete_application_notice_sent",
        "third_party_delay_notice_sent",
        "short_term_option_offered",
        "short_term_option_notice_sent",
        "evaluation_decided",
        "offer_accepted",
        "offer_rejected",
        "appeal_received",
        "appeal_decided",
        "option_started",
        "option_completed",
        "option_failed",
    }
)


def order(event: CaseEvent) -> tuple[date, int]:
    """When an event happened: legal date first, log order within a day (late entries sort by their date)."""
    return event.on, event.version


def precedes(first: CaseEvent, second: CaseEvent) -> bool:
    """Whether `first` happened before `second` (same legal date: the earlier log entry)."""
    return order(first) < order(second)


@dataclass(frozen=True)
class ApplicationLife:
    """One application's events in the order they happened, with the questions 1024.41 asks of them."""

    application_id: str
    events: tuple[CaseEvent, ...]

    @computed_once
    def _by_type(self) -> dict[str, tuple[CaseEvent, ...]]:
        grouped: dict[str, list[CaseEvent]] = {}
        for event in self.events:
            grouped.setdefault(event.type, []).append(event)
        return {kind: tuple(events) for kind, events in grouped.items()}

    def of(self, *types: str) -> tuple[CaseEvent, ...]:
        """Its events of the given types, in the order they happened."""
        if len(types) == 1:
            return self._by_type.get(types[0], ())
        return tuple(e for e in self.events if e.type in types)

    # The answers below are asked by many clocks of one application: each is computed once (the life is immutable).
    @computed_once
    def received(self) -> CaseEvent | None:
        """The first application_received (1024.41(k)(1)(i): the transferor's receipt date counts)."""
        found = self.of("application_received")
        return found[0] if found else None

    @computed_once
    def opened_on(self) -> date:
        """The receipt date, or the first thing recorded about the application when no receipt was logged."""
        return self.received.on if self.received else self.events[0].on

    @computed_once
    def completions(self) -> tuple[CaseEvent, ...]:
        """Every application_completed, facial or not (comment 41(c)(3)(i)-3: each completion counts)."""
        return self.of("application_completed")

    @computed_once
    def first_completion(self) -> CaseEvent | None:
        """41(b)(3), (c)(2)(iv): protections are fixed as of the date it first became (facially) complete."""
        return self.completions[0] if self.completions else None

    @computed_once
    def decisions(self) -> tuple[CaseEvent, ...]:
        """Every evaluation_decided (the (c)(1)(ii) notices)."""
        return self.of("evaluation_decided")

    def after(self, event: CaseEvent, *types: str) -> tuple[CaseEvent, ...]:
        """Its events of the given types that happened after `event`."""
        mark = (event.on, event.version)  # precedes(event, e)
        return tuple(e for e in self.of(*types) if mark < (e.on, e.version))

    def before(self, event: CaseEvent, *types: str) -> tuple[CaseEvent, ...]:
        """Its events of the given types that happened before `event`."""
        mark = (event.on, event.version)  # precedes(e, event)
        return tuple(e for e in self.of(*types) if (e.on, e.version) < mark)

    def next_completion(self, completion: CaseEvent) -> CaseEvent | None:
        """The completion that followed `completion`, if any."""
        later = self.after(completion, "application_completed")
        return later[0] if later else None

    def information_request_after(self, completion: CaseEvent) -> CaseEvent | None:
        """41(c)(2)(iv): a request for more information after this completion and before the next one."""
        following = self.next_completion(completion)
        for request in self.after(completion, "additional_information_requested"):
            if following is None or precedes(request, following):
                return request
        return None

    def decision_before(self, event: CaseEvent) -> CaseEvent | None:
        """The latest evaluation decision that happened before `event`."""
        earlier = self.before(event, "evaluation_decided")
        return earlier[-1] if earlier else None

    def pending_completion_on(self, day: date) -> CaseEvent | None:
        """The completion awaiting evaluation at the end of `day` (none after a decision or a new request)."""
        known = [e for e in self.events if e.on <= day]
        pending: CaseEvent | None = None
        for event in known:
            if event.type == "application_completed":
                pending = event
            elif event.type in ("evaluation_decided", "additional_information_requested"):
                pending = None
        return pending


def applications(history: History) -> tuple[ApplicationLife, ...]:
    """Every application of the case, oldest receipt first (ties: the earlier log entry)."""
    return history.memo("applications", _lives)


def _lives(history: History) -> tuple[ApplicationLife, ...]:
    if not history.has_any(APPLICATION_TYPES):
        return ()  # most cases never see an application: no pass over their history
    grouped: dict[str, list[CaseEvent]] = {}
    for event in history.events:
        if event.type not in APPLICATION_TYPES:
            continue
        app_id = field_of(event.data, "application_id")
        if app_id is not None:
            grouped.setdefault(app_id, []).append(event)
    lives = [ApplicationLife(app_id, tuple(sorted(events, key=order))) for app_id, events in grouped.items()]
    return tuple(sorted(lives, key=lambda life: (life.opened_on, life.events[0].version)))


def answers_for(history: History, application_id: str, types: Iterable[str]) -> tuple[CaseEvent, ...]:
    """Borrower answers and option events for an application, including those recorded without an id."""
    wanted = tuple(types)
    found = [
        e for e in history.events
        if e.type in wanted and field_of(e.data, "application_id") in (application_id, None)
    ]
    return tuple(sorted(found, key=order))

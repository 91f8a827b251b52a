"""A case's effective history: corrections applied, voided events set aside, both kept visible."""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from zoneinfo import ZoneInfo

from compliance.envelope import CaseEvent, legal_date, parse_occurred_at
from compliance.events import DATA_MODELS, EntryCorrected, EntryVoided

# Events that describe other events rather than the world; they never trigger or satisfy a clock.
META_TYPES = frozenset({"entry_corrected", "entry_voided"})


@dataclass(frozen=True)
class Correction:
    """One honoured entry_corrected: the event as first recorded and the correcting event."""

    original: CaseEvent
    by: CaseEvent


@dataclass(frozen=True)
class Voiding:
    """One honoured entry_voided: the event that stops counting and the voiding event."""

    voided: CaseEvent
    by: CaseEvent


@dataclass(frozen=True)
class History:
    """Events as they stand after corrections, in version order, with what was corrected and voided."""

    events: tuple[CaseEvent, ...]
    corrections: tuple[Correction, ...] = ()
    voidings: tuple[Voiding, ...] = ()

    @functools.cached_property
    def chronological(self) -> tuple[CaseEvent, ...]:
        """Effective events in the order they happened: legal date, then log order (late entries move up)."""
        return tuple(sorted(self.events, key=lambda e: (e.on, e.version)))

    @functools.cached_property
    def installments(self) -> tuple[CaseEvent, ...]:
        """payment_missed / installment_paid events in the order they happened (the delinquency ledger)."""
        return tuple(e for e in self.chronological if e.type in ("payment_missed", "installment_paid"))

    def of_type(self, *types: str) -> list[CaseEvent]:
        """Effective events of the given types, in version order."""
        return [e for e in self.events if e.type in types]

    def for_key(self, key_field: str, value: object, *types: str) -> list[CaseEvent]:
        """Effective events of the given types whose data carries key_field == value (e.g. application_id)."""
        return [e for e in self.of_type(*types) if getattr(e.data, key_field, None) == value]

    def until(self, day: date) -> History:
        """The history restricted to events whose legal date is on or before `day`."""
        return replace(self, events=tuple(e for e in self.events if e.on <= day))


def _apply_correction(target: CaseEvent, fix: EntryCorrected, zone: ZoneInfo) -> CaseEvent:
    # The replacement's fields replace those of the original; fields it omits keep their recorded value.
    occurred = parse_occurred_at(fix.replacement.occurred_at) if fix.replacement.occurred_at else None
    data = target.data
    if fix.replacement.data:
        merged = {**target.data.model_dump(mode="json"), **fix.replacement.data}
        data = DATA_MODELS[target.type].model_validate(merged)
    if occurred is None:
        return replace(target, data=data)
    at = occurred if isinstance(occurred, datetime) else None
    return replace(target, on=legal_date(occurred, zone), at=at, data=data)


def effective_history(events: Iterable[CaseEvent], zone: ZoneInfo) -> History:
    """Fold corrections and voids (CONTRACT §2) over a case's events in version order."""
    ordered: Sequence[CaseEvent] = sorted(events, key=lambda e: e.version)
    voids = {e.data.voids: e for e in ordered if isinstance(e.data, EntryVoided)}
    current: dict[str, CaseEvent] = {}
    corrections: list[Correction] = []
    for event in ordered:
        if event.id in voids or event.type == "entry_voided":
            continue
        if isinstance(event.data, EntryCorrected):
            target = current.get(event.data.corrects)
            if target is not None:
                corrections.append(Correction(target, event))
                current[target.id] = _apply_correction(target, event.data, zone)
            continue
        current[event.id] = event
    voidings = tuple(Voiding(e, voids[e.id]) for e in ordered if e.id in voids and e.type not in META_TYPES)
    live = tuple(sorted(current.values(), key=lambda e: e.version))
    return History(live, tuple(corrections), voidings)

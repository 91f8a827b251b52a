"""A case's effective history: corrections applied, voided events set aside, both kept visible."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from operator import attrgetter
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from compliance.envelope import CaseEvent, legal_date, parse_occurred_at
from compliance.events import DATA_MODELS, EntryCorrected, EntryVoided

# Events that describe other events rather than the world; they never trigger or satisfy a clock.
META_TYPES = frozenset({"entry_corrected", "entry_voided"})
T = TypeVar("T")


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


class computed_once:  # noqa: N801 - used as a decorator, like functools.cached_property
    """functools.cached_property without its lock (Python 3.11 takes one per first read): a value of an
    immutable object computed on first read and stored in the instance, so later reads are plain lookups."""

    def __init__(self, build: Callable[[Any], Any]) -> None:
        self.build = build
        self.name = build.__name__
        self.__doc__ = build.__doc__

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, instance: Any, owner: type | None = None) -> Any:
        if instance is None:
            return self
        value = instance.__dict__[self.name] = self.build(instance)
        return value


@dataclass(frozen=True)
class History:
    """Events as they stand after corrections, in version order, with what was corrected and voided."""

    events: tuple[CaseEvent, ...]
    corrections: tuple[Correction, ...] = ()
    voidings: tuple[Voiding, ...] = ()

    @computed_once
    def chronological(self) -> tuple[CaseEvent, ...]:
        """Effective events in the order they happened: legal date, then log order (late entries move up)."""
        ordered = tuple(sorted(self.events, key=_ON_VERSION))
        # Usually the log order already is the order things happened: keep one tuple (and one type index).
        return self.events if ordered == self.events else ordered

    @computed_once
    def installments(self) -> tuple[CaseEvent, ...]:
        """payment_missed / installment_paid events in the order they happened (the delinquency ledger)."""
        return self.happened("payment_missed", "installment_paid")

    @computed_once
    def _by_type(self) -> dict[str, list[CaseEvent]]:
        # Version order per type: every rule family asks for a few types out of ~20 events, many times.
        return _group(self.events)

    @computed_once
    def _happened_by_type(self) -> dict[str, list[CaseEvent]]:
        chronological = self.chronological
        return self._by_type if chronological is self.events else _group(chronological)

    @computed_once
    def _happened(self) -> dict[tuple[str, ...], tuple[CaseEvent, ...]]:
        # One entry per type (the order things happened), and others per combination of types asked for.
        return {(kind,): tuple(events) for kind, events in self._happened_by_type.items()}

    def of_type(self, *types: str) -> list[CaseEvent]:
        """Effective events of the given types, in version order."""
        if len(types) == 1:
            return list(self._by_type.get(types[0], ()))
        return [e for e in self.events if e.type in types]

    def has_any(self, types: frozenset[str]) -> bool:
        """Whether any effective event is of one of the given types (one set test on the type index)."""
        return not types.isdisjoint(self._by_type)

    def happened(self, *types: str) -> tuple[CaseEvent, ...]:
        """Effective events of the given types in the order they happened (as `chronological`), memoised."""
        memo = self._happened
        found = memo.get(types)
        if found is None:
            by_type = self._happened_by_type
            present = [t for t in types if t in by_type]
            if len(present) == 1:
                found = tuple(by_type[present[0]])
            elif present:
                found = tuple(e for e in self.chronological if e.type in types)
            else:
                found = ()
            memo[types] = found
        return found

    def memo(self, key: str, build: Callable[[History], T]) -> T:
        """A value derived from this history alone, built once (the history is immutable)."""
        try:
            return self.__dict__[key]  # type: ignore[no-any-return]
        except KeyError:
            value = self.__dict__[key] = build(self)
            return value

    def for_key(self, key_field: str, value: object, *types: str) -> list[CaseEvent]:
        """Effective events of the given types whose data carries key_field == value (e.g. application_id)."""
        return [e for e in self.of_type(*types) if getattr(e.data, key_field, None) == value]

    def until(self, day: date) -> History:
        """The history restricted to events whose legal date is on or before `day`."""
        kept = tuple(e for e in self.events if e.on <= day)
        if len(kept) == len(self.events):
            kept = self.events
        return History(kept, self.corrections, self.voidings)


def _group(events: Iterable[CaseEvent]) -> dict[str, list[CaseEvent]]:
    grouped: dict[str, list[CaseEvent]] = {}
    for event in events:
        kind = event.type
        if kind in grouped:
            grouped[kind].append(event)
        else:
            grouped[kind] = [event]
    return grouped


_ON_VERSION = attrgetter("on", "version")
_version, _id = attrgetter("version"), attrgetter("id")


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
    ordered: Sequence[CaseEvent] = sorted(events, key=_version)
    by_type = _group(ordered)
    if META_TYPES.isdisjoint(by_type) and len(set(map(_id, ordered))) == len(ordered):
        # Nothing corrected or voided (the usual case): the fold below would return the events as they are.
        history = History(tuple(ordered))
        history.__dict__["_by_type"] = by_type  # the type index is a by-product of this check: keep it
        return history
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

"""The computed clock of CONTRACT §6 as an immutable value, and its exact JSON shape.

Clock and Trigger are immutable tuples with named fields: a case yields ~40 clocks and a portfolio scan
millions, so construction must be one C call (a frozen dataclass pays one object.__setattr__ per field).
A clock's derivation may be given as a tuple of lines or as a recipe (a no-argument callable returning them):
most clocks are judged on their status and never printed, so their text is written only when read. Its reason
and finding may likewise be recipes for their text.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from functools import partial
from operator import itemgetter
from typing import Any, Literal

Kind = Literal["deadline", "window", "bar", "check"]
Status = Literal["open", "met", "breached", "cancelled", "not_applicable"]
# A derivation as stored: the lines themselves, or a pure recipe that writes them on demand.
Steps = tuple[str, ...] | Callable[[], tuple[str, ...]]
# A not_applicable reason (or a finding) as stored: the text, or a pure recipe (e.g. a bound str.format).
Reason = str | Callable[[], str] | None

_new = tuple.__new__


def expand(steps: Steps) -> tuple[str, ...]:
    """The lines of a stored derivation (a recipe is run; it is pure, so reading twice gives the same lines)."""
    return steps if steps.__class__ is tuple else steps()  # type: ignore[operator, return-value]


def text(reason: Reason) -> str | None:
    """The text of a stored reason (a recipe is run)."""
    return reason if reason is None or reason.__class__ is str else reason()  # type: ignore[operator, return-value]


def then(steps: Steps, more: Steps) -> Steps:
    """A derivation followed by more lines (either may be a recipe), still unwritten when either is one."""
    if more.__class__ is tuple:
        if not more:
            return steps
        if steps.__class__ is tuple:
            return steps + more  # type: ignore[operator, no-any-return]
    return partial(_joined, steps, more)


def _joined(steps: Steps, more: Steps) -> tuple[str, ...]:
    return (*expand(steps), *expand(more))


class _Record(tuple):  # type: ignore[type-arg]
    """A tuple with named fields that, like a dataclass, equals only an instance of its own class."""

    __slots__ = ()

    def __eq__(self, other: object) -> bool:
        return other.__class__ is self.__class__ and tuple.__eq__(self, other)  # type: ignore[arg-type]

    def __ne__(self, other: object) -> bool:
        return not self.__eq__(other)

    __hash__ = tuple.__hash__


class Trigger(_Record):
    """The event a clock runs from: its id, type, legal date and (for contact checks) timestamp."""

    __slots__ = ()

    def __new__(cls, event_id: str, type: str, on: date, at: datetime | None = None) -> Trigger:  # noqa: A002
        return _new(cls, (event_id, type, on, at))

    event_id: str = property(itemgetter(0), doc="The trigger event's id.")  # type: ignore[assignment]
    type: str = property(itemgetter(1), doc="The trigger event's type.")  # type: ignore[assignment]
    on: date = property(itemgetter(2), doc="The trigger event's legal date.")  # type: ignore[assignment]
    at: datetime | None = property(itemgetter(3), doc="The trigger event's timestamp, if any.")  # type: ignore[assignment]

    def __getnewargs__(self) -> tuple[Any, ...]:
        return tuple(self)

    def __repr__(self) -> str:
        return f"Trigger(event_id={self[0]!r}, type={self[1]!r}, on={self[2]!r}, at={self[3]!r})"

    def to_json(self) -> dict[str, object]:
        at = self[3]
        return {"event_id": self[0], "type": self[1], "on": self[2].isoformat(), "at": at.isoformat() if at else None}


class Alternative(_Record):
    """The same clock's date under another calendar policy (CONTRACT §4: disagreement made visible)."""

    __slots__ = ()

    def __new__(cls, calendar: str, due: date) -> Alternative:
        return _new(cls, (calendar, due))

    calendar: str = property(itemgetter(0), doc="The other calendar policy.")  # type: ignore[assignment]
    due: date = property(itemgetter(1), doc="The clock's date under that policy.")  # type: ignore[assignment]

    def __getnewargs__(self) -> tuple[Any, ...]:
        return tuple(self)

    def __repr__(self) -> str:
        return f"Alternative(calendar={self[0]!r}, due={self[1]!r})"

    def to_json(self) -> dict[str, object]:
        return {"calendar": self[0], "due": self[1].isoformat()}


def new_trigger(values: tuple[str, str, date, datetime | None]) -> Trigger:
    """Trigger(*values) in one C call, for the hot path (values in field order)."""
    return _new(Trigger, values)


FIELDS = ("id", "rule", "citation", "kind", "trigger", "status", "calendar", "due", "closes", "not_before", "met_by",
          "met_on", "derivation", "alternatives", "reason", "finding", "flags")
_POSITION = {name: index for index, name in enumerate(FIELDS)}
_STEPS, _REASON, _FINDING = _POSITION["derivation"], _POSITION["reason"], _POSITION["finding"]


def new_clock(values: tuple[Any, ...]) -> Clock:
    """Clock(*values) in one C call, for the hot path: all 17 values in FIELDS order, none checked."""
    return _new(Clock, values)


class Clock(tuple):  # type: ignore[type-arg]
    """One regulatory clock for one trigger; `due`, `closes` or `not_before` by kind."""

    __slots__ = ()

    def __new__(
        cls, id: str, rule: str, citation: str, kind: Kind, trigger: Trigger, status: Status,  # noqa: A002
        calendar: str, due: date | None = None, closes: date | None = None, not_before: date | None = None,
        met_by: str | None = None, met_on: date | None = None, derivation: Steps = (),
        alternatives: tuple[Alternative, ...] = (), reason: Reason = None, finding: Reason = None,
        flags: tuple[str, ...] = (),
    ) -> Clock:
        return _new(cls, (id, rule, citation, kind, trigger, status, calendar, due, closes, not_before, met_by,
                          met_on, derivation, alternatives, reason, finding, flags))

    id: str = property(itemgetter(0))  # type: ignore[assignment]
    rule: str = property(itemgetter(1))  # type: ignore[assignment]
    citation: str = property(itemgetter(2))  # type: ignore[assignment]
    kind: Kind = property(itemgetter(3))  # type: ignore[assignment]
    trigger: Trigger = property(itemgetter(4))  # type: ignore[assignment]
    status: Status = property(itemgetter(5))  # type: ignore[assignment]
    calendar: str = property(itemgetter(6))  # type: ignore[assignment]
    due: date | None = property(itemgetter(7))  # type: ignore[assignment]
    closes: date | None = property(itemgetter(8))  # type: ignore[assignment]
    not_before: date | None = property(itemgetter(9))  # type: ignore[assignment]
    met_by: str | None = property(itemgetter(10))  # type: ignore[assignment]
    met_on: date | None = property(itemgetter(11))  # type: ignore[assignment]
    alternatives: tuple[Alternative, ...] = property(itemgetter(13))  # type: ignore[assignment]
    flags: tuple[str, ...] = property(itemgetter(16))  # type: ignore[assignment]

    @property
    def derivation(self) -> tuple[str, ...]:
        """Each step that derives the clock's date and status, written out (a stored recipe is run)."""
        steps = self[_STEPS]
        return steps if steps.__class__ is tuple else steps()  # type: ignore[no-any-return]

    @property
    def reason(self) -> str | None:
        """Why the clock is not_applicable or cancelled, written out (a stored recipe is run)."""
        reason = self[_REASON]
        return reason if reason is None or reason.__class__ is str else reason()  # type: ignore[no-any-return]

    @property
    def finding(self) -> str | None:
        """What the clock found against the servicer, written out (a stored recipe is run)."""
        finding = self[_FINDING]
        return finding if finding is None or finding.__class__ is str else finding()  # type: ignore[no-any-return]

    @property
    def steps(self) -> Steps:
        """The derivation as stored (lines or recipe), for building on it without writing it out."""
        return self[_STEPS]  # type: ignore[no-any-return]

    def replace(self, **changes: Any) -> Clock:
        """The same clock with some fields changed (dataclasses.replace for this tuple)."""
        values = list(self)
        for name, value in changes.items():
            if name not in _POSITION:
                raise TypeError(f"Clock has no field {name!r}")
            values[_POSITION[name]] = value
        return _new(Clock, values)

    def values(self) -> tuple[Any, ...]:
        """Every field in FIELDS order, the derivation written out."""
        values = list(self)
        steps, reason, finding = values[_STEPS], values[_REASON], values[_FINDING]
        if steps.__class__ is not tuple:
            values[_STEPS] = steps()
        if reason is not None and reason.__class__ is not str:
            values[_REASON] = reason()
        if finding is not None and finding.__class__ is not str:
            values[_FINDING] = finding()
        return tuple(values)

    def __eq__(self, other: object) -> bool:
        # As a dataclass: equal only to a Clock with equal fields (recipes compared by what they write).
        return other.__class__ is Clock and self.values() == other.values()  # type: ignore[attr-defined]

    def __ne__(self, other: object) -> bool:
        return not self.__eq__(other)

    def __hash__(self) -> int:
        return hash(self.values())

    def __getnewargs__(self) -> tuple[Any, ...]:
        return self.values()

    def __repr__(self) -> str:
        return "Clock(" + ", ".join(f"{k}={v!r}" for k, v in zip(FIELDS, self.values(), strict=True)) + ")"

    def to_json(self) -> dict[str, object]:
        """CONTRACT §6 shape; keys present only where they apply to the kind, plus reason/finding/flags."""
        (id_, rule, citation, kind, trigger, status, calendar, due, closes, not_before, met_by, met_on, steps,
         alternatives, reason, finding, flags) = self
        out: dict[str, object] = {"id": id_, "rule": rule, "citation": citation, "kind": kind,
                                  "trigger": trigger.to_json()}
        if kind == "window":
            out["closes"] = closes.isoformat() if closes else None
        elif kind == "bar":
            out["not_before"] = not_before.isoformat() if not_before else None
        else:
            out["due"] = due.isoformat() if due else None
        out["status"] = status
        out["met_by"] = met_by
        out["met_on"] = met_on.isoformat() if met_on else None
        out["calendar"] = calendar
        out["derivation"] = list(steps if steps.__class__ is tuple else steps())
        out["alternatives"] = [a.to_json() for a in alternatives]
        if reason is not None:
            out["reason"] = reason if reason.__class__ is str else reason()
        if finding is not None:
            out["finding"] = finding if finding.__class__ is str else finding()
        if flags:
            out["flags"] = list(flags)
        return out

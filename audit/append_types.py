"""The values of an append: who appends (Actor), under which limits, what is asked and what is returned."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection

from audit.reads import StoredEvent
from compliance.envelope import DEFAULT_MAX_PAYLOAD_BYTES

# CONTRACT §1: who may record an event.
ROLES = frozenset({"specialist", "manager", "compliance_officer", "examiner", "admin", "system"})


@dataclass(frozen=True)
class Actor:
    """Who records events: an id and one of the CONTRACT §1 roles."""

    id: str
    role: str

    def __post_init__(self) -> None:
        if self.role not in ROLES:
            raise ValueError(f"unknown actor role {self.role!r}; expected one of {sorted(ROLES)}")
        if not 0 < len(self.id) <= 200:
            raise ValueError("actor id must be 1 to 200 characters")


@dataclass(frozen=True)
class AppendPolicy:
    """The limits an append is checked against (built from Settings by the edge)."""

    # CONTRACT §1: occurred_at may not be later than recorded_at plus a small clock-skew tolerance.
    max_skew: timedelta = timedelta(minutes=5)
    max_payload_bytes: int = DEFAULT_MAX_PAYLOAD_BYTES
    # CONTRACT §1: the servicer's zone, written into a case_opened that names none.
    default_timezone: str = "America/New_York"
    # Issue 4 (projections): called once per write with the ids of the cases appended to, after their events
    # are written, in the same transaction (audit.projections.Projector); an exception rolls the append back.
    on_appended: Callable[[Connection, Sequence[str]], None] | None = None

    def __post_init__(self) -> None:
        ZoneInfo(self.default_timezone)  # fail fast on a bad zone name


@dataclass(frozen=True)
class AppendRequest:
    """One call of append: events proposed for one case, with the caller's expectations."""

    case_id: str
    events: tuple[Mapping[str, Any], ...]
    expected_version: int | None
    actor: Actor
    now: datetime
    idempotency_key: str | None = None


@dataclass(frozen=True)
class AppendResult:
    """The stored events of an append; `replayed` when an idempotency key returned an earlier append."""

    events: tuple[StoredEvent, ...]
    replayed: bool = field(default=False, kw_only=True)

    @property
    def version(self) -> int:
        """The case's version after this append."""
        return self.events[-1].version

    @property
    def position(self) -> int:
        """The log position of the last event of this append."""
        return self.events[-1].position

"""Clocks of a stored case and of a previewed case file: the rule engine fed from the log or from a request."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from audit.reads import StoredEvent, to_case_events
from compliance.casefile import parse_casefile
from compliance.clock import Clock
from compliance.engine import compute_clocks, timeline_json
from compliance.evaluation import Readings
from compliance.events import CaseOpened
from timelines.calendar import calendar_for

DEFAULT_READINGS = Readings()  # frozen: one instance serves as every default


def stored_clocks(
    stored: Sequence[StoredEvent], *, as_of: date, calendar: str, readings: Readings = DEFAULT_READINGS
) -> list[Clock]:
    """Every clock of a stored case as of `as_of` under `calendar` and the configured `readings` (CONTRACT §6)."""
    events = to_case_events(stored)
    profile = events[0].data
    if not isinstance(profile, CaseOpened):
        raise ValueError(f"case {stored[0].case_id} does not start with case_opened")
    # The profile is the case_opened event itself; the engine reads the events that follow it.
    return compute_clocks(stored[0].case_id, profile, events[1:], calendar_for(calendar), as_of, readings=readings)


def stored_timeline(
    stored: Sequence[StoredEvent], *, as_of: date, calendar: str, readings: Readings = DEFAULT_READINGS
) -> dict[str, object]:
    """The calculator answer of CONTRACT §6 for a stored case."""
    clocks = stored_clocks(stored, as_of=as_of, calendar=calendar, readings=readings)
    return timeline_json(stored[0].case_id, as_of, calendar, clocks)


def clock_counts(
    stored: Sequence[StoredEvent], *, as_of: date, calendar: str, readings: Readings = DEFAULT_READINGS
) -> dict[str, int]:
    """How many of the case's clocks are in each status as of `as_of`."""
    clocks = stored_clocks(stored, as_of=as_of, calendar=calendar, readings=readings)
    return dict(Counter(c.status for c in clocks))


def preview_timeline(
    case_file: Mapping[str, Any], *, default_as_of: date, readings: Readings = DEFAULT_READINGS
) -> dict[str, object]:
    """The clocks of a CONTRACT §5 case file, computed without storing anything (what-if)."""
    parsed = parse_casefile(case_file, default_as_of=default_as_of)
    clocks = compute_clocks(parsed.case_id, parsed.profile, parsed.events, calendar_for(parsed.calendar), parsed.as_of,
                            readings=readings)
    return timeline_json(parsed.case_id, parsed.as_of, parsed.calendar, clocks)

"""The case timeline as drawing instructions for an inline SVG: events as points, clocks as spans.

Everything is computed here and the template only places it, so the picture is rendered on the server,
needs no script, and is the same in every browser. Coordinates are in a fixed 1000-wide view box.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from api.web.case_story import EventView

WIDTH, GUTTER, PAD = 1000, 200, 24  # view box width, rule-label gutter, right padding
AXIS_Y, EVENT_Y, FIRST_LANE_Y, LANE = 22, 56, 96, 24
MAX_LANES = 40
SPANNED = ("deadline", "window", "bar")
# Priority of statuses when lanes must be cut: what needs attention first.
_ORDER = {"breached": 0, "open": 1, "met": 2, "cancelled": 3}
CORRECTIONS = frozenset({"entry_corrected", "entry_voided"})
SYSTEM = frozenset({"deadline_breached", "alert_acknowledged"})


@dataclass(frozen=True)
class Tick:
    """An axis tick."""

    x: float
    label: str


@dataclass(frozen=True)
class Point:
    """One event on the event lane."""

    x: float
    y: float
    category: str  # fact | contact | correction | system
    label: str
    shape: str  # circle | diamond


@dataclass(frozen=True)
class Lane:
    """One clock: a span from its trigger to its date, with its breach or satisfaction marked."""

    y: float
    rule: str
    kind: str
    status: str
    x1: float
    x2: float
    breach_x: float | None
    met_x: float | None
    anchor: str
    label: str


@dataclass(frozen=True)
class Timeline:
    """The whole drawing."""

    height: int
    ticks: tuple[Tick, ...]
    points: tuple[Point, ...]
    lanes: tuple[Lane, ...]
    as_of_x: float
    as_of_label: str
    hidden_lanes: int
    axis_end: int = WIDTH - PAD
    gutter: int = GUTTER


def anchor_of(clock_id: str) -> str:
    """A stable, URL-safe fragment id for a clock (its id may hold any characters)."""
    return "clock-" + hashlib.sha256(clock_id.encode("utf-8")).hexdigest()[:12]


def end_of(clock: dict[str, Any], *, as_of: date) -> date:
    """Where a clock's span ends: its due date, window close or bar end; an open-ended bar runs to as_of."""
    for name in ("due", "closes", "not_before", "met_on"):
        if clock.get(name):
            return date.fromisoformat(clock[name])
    return as_of


class Scale:
    """Dates to x coordinates between the gutter and the right padding."""

    def __init__(self, first: date, last: date) -> None:
        self.first = first - timedelta(days=3)
        self.days = max((last - self.first).days + 5, 14)

    def x(self, day: date) -> float:
        """The x coordinate of a day."""
        return round(GUTTER + (day - self.first).days / self.days * (WIDTH - GUTTER - PAD), 1)

    def ticks(self) -> tuple[Tick, ...]:
        """Weekly ticks (Mondays) for short spans, else monthly or quarterly ticks on the 1st."""
        last = self.first + timedelta(days=self.days)
        if self.days <= 60:
            day = self.first + timedelta(days=(7 - self.first.weekday()) % 7)
            return tuple(Tick(self.x(d), d.strftime("%b %-d")) for d in _every(day, last, weeks=1))
        months = 1 if self.days <= 400 else 3 if self.days <= 1200 else 12
        return tuple(Tick(self.x(d), d.strftime("%b %Y")) for d in _months(self.first, last, step=months))


def _every(day: date, last: date, *, weeks: int) -> list[date]:
    found = []
    while day <= last:
        found.append(day)
        day += timedelta(weeks=weeks)
    return found


def _months(first: date, last: date, *, step: int) -> list[date]:
    found, year, month = [], first.year, first.month + 1
    while True:
        year, month = year + (month - 1) // 12, (month - 1) % 12 + 1
        day = date(year, month, 1)
        if day > last:
            return found
        if (month - 1) % step == 0:
            found.append(day)
        month += 1


def _category(kind: str) -> str:
    if kind in CORRECTIONS:
        return "correction"
    if kind in SYSTEM:
        return "system"
    return "contact" if kind == "contact_logged" else "fact"


def _points(events: Sequence[EventView], scale: Scale) -> tuple[Point, ...]:
    stacked: dict[date, int] = {}
    points = []
    for view in events:
        height = stacked.get(view.on, 0)
        stacked[view.on] = height + 1
        category = _category(view.event["type"])
        label = f"v{view.event['version']} {view.event['type'].replace('_', ' ')} · {view.on.isoformat()}"
        points.append(Point(scale.x(view.on), EVENT_Y - 7 * (height % 4), category, label,
                            "diamond" if category == "correction" else "circle"))
    return tuple(points)


def _lane(index: int, clock: dict[str, Any], scale: Scale, *, as_of: date) -> Lane:
    start, end = date.fromisoformat(clock["trigger"]["on"]), end_of(clock, as_of=as_of)
    status = clock["status"]
    met = date.fromisoformat(clock["met_on"]) if clock.get("met_on") else None
    label = f"{clock['rule']}: {start.isoformat()} to {end.isoformat()}, {status}"
    return Lane(
        y=FIRST_LANE_Y + index * LANE, rule=clock["rule"], kind=clock["kind"], status=status,
        x1=scale.x(start), x2=max(scale.x(end), scale.x(start) + 2), anchor=anchor_of(clock["id"]), label=label,
        breach_x=scale.x(end) if status == "breached" else None, met_x=scale.x(met) if met else None,
    )


def build_timeline(events: Sequence[EventView], clocks: Sequence[dict[str, Any]], *, as_of: date) -> Timeline:
    """Lay out the events and the spanned clocks (deadlines, windows, bars) of a case."""
    spanned = [c for c in clocks if c["kind"] in SPANNED and c["status"] in _ORDER]
    shown = sorted(spanned, key=lambda c: (_ORDER[c["status"]], c["trigger"]["on"]))[:MAX_LANES]
    shown.sort(key=lambda c: (c["trigger"]["on"], end_of(c, as_of=as_of).isoformat(), c["rule"]))
    days = [v.on for v in events] + [as_of]
    days += [date.fromisoformat(c["trigger"]["on"]) for c in shown] + [end_of(c, as_of=as_of) for c in shown]
    scale = Scale(min(days), max(days))
    lanes = tuple(_lane(i, c, scale, as_of=as_of) for i, c in enumerate(shown))
    return Timeline(
        height=FIRST_LANE_Y + max(len(lanes), 1) * LANE + 12, ticks=scale.ticks(), points=_points(events, scale),
        lanes=lanes, as_of_x=scale.x(as_of), as_of_label=f"as of {as_of.strftime('%b %-d, %Y')}",
        hidden_lanes=len(spanned) - len(shown),
    )

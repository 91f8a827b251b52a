"""The timeline picture of a case for report.pdf: events on top, one lane per clock below (PNG bytes, no I/O).

Uses matplotlib's object API with the Agg canvas (no pyplot global state, safe in a server thread). Output is
deterministic for a given matplotlib: no timestamps or software tags are written into the PNG.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.dates import AutoDateLocator, ConciseDateFormatter, date2num
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

MAX_LANES = 28  # more clocks than this are in the table only; the picture keeps the earliest
STATUS_COLOURS = {"met": "#2e7d32", "open": "#1565c0", "breached": "#c62828", "cancelled": "#9e9e9e",
                  "not_applicable": "#cfcfcf"}
EVENT_STYLES = (  # (label, marker, colour, type prefixes or names)
    ("contact / notice", "o", "#455a64", ("contact_logged", "early_intervention_notice_sent", "note_added")),
    ("loss mitigation", "s", "#6a1b9a", ("application_", "evaluation_", "offer_", "appeal_", "option_",
                                         "short_term_", "complete_application", "third_party", "additional_")),
    ("foreclosure", "^", "#e65100", ("foreclosure_", "first_notice_or_filing_made")),
    ("correction / void", "X", "#c62828", ("entry_corrected", "entry_voided")),
    ("monitoring", "D", "#000000", ("deadline_breached", "alert_acknowledged")),
)


@dataclass(frozen=True)
class Lane:
    """One clock in the picture: from its trigger date to its date, coloured by status."""

    label: str
    start: date
    end: date | None
    status: str
    met_on: date | None = None


def event_style(kind: str) -> tuple[str, str, str]:
    """(legend label, marker, colour) of an event type."""
    for label, marker, colour, names in EVENT_STYLES:
        if kind.startswith(names):
            return label, marker, colour
    return "other", ".", "#607d8b"


def render_timeline(events: Sequence[tuple[date, str]], lanes: Sequence[Lane], *, as_of: date) -> bytes:
    """PNG of the case timeline: `events` as (legal date, type), `lanes` as clocks, a line at `as_of`."""
    shown = list(lanes[:MAX_LANES])
    figure = Figure(figsize=(7.2, 1.6 + 0.24 * (len(shown) + 1)), dpi=150)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    _draw_lanes(axes, shown)
    _draw_events(axes, events, top=len(shown))
    axes.axvline(date2num(as_of), color="#424242", linestyle="--", linewidth=0.8)
    axes.text(date2num(as_of), len(shown) + 0.6, f" as of {as_of.isoformat()}", fontsize=6, va="bottom")
    _frame(axes, events, shown, as_of=as_of)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", metadata={"Software": None}, bbox_inches="tight")
    return buffer.getvalue()


def _draw_lanes(axes: Axes, lanes: Sequence[Lane]) -> None:
    for row, lane in enumerate(reversed(lanes)):
        colour = STATUS_COLOURS.get(lane.status, "#757575")
        start, end = date2num(lane.start), date2num(lane.end or lane.start)
        if end > start:
            axes.barh(row, end - start, left=start, height=0.55, color=colour, alpha=0.85)
        else:
            axes.plot([start], [row], marker="o", markersize=4, color=colour)
        if lane.met_on is not None:
            axes.plot([date2num(lane.met_on)], [row], marker="v", markersize=4, color="black")


def _draw_events(axes: Axes, events: Sequence[tuple[date, str]], *, top: int) -> None:
    for day, kind in events:
        _, marker, colour = event_style(kind)
        axes.plot([date2num(day)], [top], marker=marker, markersize=5, color=colour, alpha=0.8)


def _frame(axes: Axes, events: Sequence[tuple[date, str]], lanes: Sequence[Lane], *, as_of: date) -> None:
    days = [d for d, _ in events] + [lane.start for lane in lanes] + [lane.end for lane in lanes if lane.end] + [as_of]
    first, last = min(days) - timedelta(days=3), max(days) + timedelta(days=3)
    axes.set_xlim(date2num(first), date2num(last))
    labels = [lane.label for lane in reversed(lanes)] + ["events"]
    axes.set_yticks(range(len(labels)), labels, fontsize=6)
    axes.set_ylim(-0.8, len(labels) - 0.2 + 0.6)
    locator = AutoDateLocator()
    axes.xaxis.set_major_locator(locator)
    axes.xaxis.set_major_formatter(ConciseDateFormatter(locator))
    axes.tick_params(axis="x", labelsize=6)
    axes.grid(axis="x", linewidth=0.3, color="#e0e0e0")
    axes.legend(handles=_legend(), fontsize=5, loc="upper center", bbox_to_anchor=(0.5, -0.08), ncol=6, frameon=False)


def _legend() -> list[Line2D]:
    handles = [Line2D([], [], color=colour, linewidth=5, label=status.replace("_", " "))
               for status, colour in STATUS_COLOURS.items()]
    handles.append(Line2D([], [], color="black", marker="v", linestyle="", label="met on"))
    handles += [Line2D([], [], color=colour, marker=marker, linestyle="", label=label)
                for label, marker, colour, _ in EVENT_STYLES]
    return handles

"""Report charts as PNG or SVG bytes (matplotlib object API on the Agg canvas: no pyplot state, thread-safe).

Timeliness per rule (stacked bars), days used of the allowed days (box per rule), breach trend (lines per
team), contact findings and the application pipeline. Output is deterministic for a given matplotlib: no
dates or software tags in the files, a fixed SVG id salt.
"""

from __future__ import annotations

import io
import math
from collections.abc import Sequence
from datetime import date

import matplotlib
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.dates import AutoDateLocator, ConciseDateFormatter, date2num
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator, PercentFormatter
from sqlalchemy import Connection, Engine

from audit.database import connect
from audit.reports import ReportQuery, build_report, comparison_span, deadline_inputs
from compliance.reports import ContactReport, PipelineReport, TimelinessReport, TrendPoint, breach_trend
from compliance.reports.days_used import days_used
from compliance.reports.records import ClockRecord, Period
from compliance.reports.stages import STAGES
from compliance.reports.stats import median, percent, percentile
from compliance.reports.timeliness import due_in, grouped, rule_order

FORMATS = ("png", "svg")
# The charts each report offers; the first is the default.
CHARTS: dict[str, tuple[str, ...]] = {
    "timeliness": ("status", "days_used", "breach_trend"),
    "improvements": ("breach_trend",),
    "contacts": ("findings",),
    "pipeline": ("stages",),
}
OUTCOME_STYLE = (("met_on_time", "met on time", "#2e7d32"), ("met_late", "met late", "#f9a825"),
                 ("breached_open", "not met (breached)", "#c62828"), ("open", "open", "#1565c0"))
TEAM_COLOURS = ("#1565c0", "#6a1b9a", "#00838f", "#ef6c00", "#5d4037", "#546e7a", "#ad1457", "#558b2f")
BAND_COLOURS = ("#c8e6c9", "#81c784", "#fb8c00", "#c62828")
TREND_MIN_JUDGED = 3  # a rate over one or two deadlines is noise, not a trend
INK, GRID = "#263238", "#e0e0e0"
RC = {"svg.hashsalt": "compliance-reports", "svg.fonttype": "none", "font.size": 9, "axes.edgecolor": "#90a4ae"}


def chart(target: Engine | Connection, name: str, query: ReportQuery, *, kind: str | None = None,
          fmt: str = "png") -> bytes:
    """The chart `kind` (default: the report's first) of the named report, as PNG or SVG bytes."""
    if name not in CHARTS:
        raise ValueError(f"no chart for report {name!r}; charts exist for {', '.join(CHARTS)}")
    kind = kind or CHARTS[name][0]
    if kind not in CHARTS[name]:
        raise ValueError(f"report {name!r} has no chart {kind!r}; choose from {', '.join(CHARTS[name])}")
    if fmt not in FORMATS:
        raise ValueError(f"unknown chart format {fmt!r}; choose from {', '.join(FORMATS)}")
    with connect(target) as conn:
        if kind == "days_used":
            records = deadline_inputs(conn, query, span=query.period).clocks
            return days_used_chart(records, query.period, as_of=query.as_of, fmt=fmt)
        if kind == "breach_trend":
            span = comparison_span(query.period) if name == "improvements" else query.period
            records = deadline_inputs(conn, query, span=span).clocks
            marker = query.period.start if name == "improvements" else None
            points = breach_trend(records, span, as_of=query.as_of)
            return breach_trend_chart(points, span, marker=marker, fmt=fmt)
        report = build_report(conn, name, query).report
    if isinstance(report, TimelinessReport):
        return timeliness_chart(report, fmt=fmt)
    if isinstance(report, ContactReport):
        return contacts_chart(report, fmt=fmt)
    if isinstance(report, PipelineReport):
        return pipeline_chart(report, fmt=fmt)
    raise ValueError(f"no chart {kind!r} for report {name!r}")


def render(figure: Figure, *, fmt: str) -> bytes:
    """The figure as PNG or SVG bytes, with no creation date or software tag."""
    buffer = io.BytesIO()
    metadata = {"Software": None} if fmt == "png" else {"Date": None, "Creator": None}
    with matplotlib.rc_context(RC):
        figure.savefig(buffer, format=fmt, metadata=metadata, bbox_inches="tight", dpi=150)
    return buffer.getvalue()


def _figure(rows: int, *, width: float = 9.0) -> tuple[Figure, Axes]:
    with matplotlib.rc_context(RC):
        figure = Figure(figsize=(width, 1.8 + 0.32 * max(rows, 3)), layout="constrained")
        FigureCanvasAgg(figure)
        axes = figure.add_subplot()
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    axes.tick_params(colors=INK, labelsize=8)
    return figure, axes


def _legend(axes: Axes, *, columns: int) -> None:
    """The legend under the x-axis label (constrained layout keeps them apart)."""
    axes.figure.legend(loc="outside lower center", ncol=columns, frameon=False, fontsize=8)


def _title(axes: Axes, title: str, subtitle: str) -> None:
    axes.set_title(title, loc="left", fontsize=11, color=INK, fontweight="bold", pad=22)
    axes.text(0, 1.02, subtitle, transform=axes.transAxes, fontsize=8, color="#546e7a", va="bottom")


def _nothing(axes: Axes, message: str) -> None:
    axes.set_xticks([])
    axes.set_yticks([])
    axes.text(0.5, 0.5, message, transform=axes.transAxes, ha="center", va="center", color="#546e7a")


def _period(period: Period) -> str:
    return f"{period.start.isoformat()} to {period.end.isoformat()}"


def _stacked(axes: Axes, labels: Sequence[str], series: Sequence[tuple[str, str, Sequence[int]]], *,
             as_share: bool = False, notes: Sequence[str] | None = None) -> None:
    """Horizontal stacked bars, first label on top, a note (default: the row's total) at each row's end."""
    rows = list(range(len(labels)))[::-1]
    totals = [sum(values) for values in zip(*(values for _, _, values in series), strict=True)]
    left = [0.0] * len(labels)
    for label, colour, values in series:
        widths = [v / t if as_share and t else float(v) for v, t in zip(values, totals, strict=True)]
        axes.barh(rows, widths, left=left, color=colour, label=label, height=0.62, linewidth=0)
        left = [a + b for a, b in zip(left, widths, strict=True)]
    for row, end, note in zip(rows, left, notes or [str(t) for t in totals], strict=True):
        axes.text(end, row, f" {note}", va="center", fontsize=7, color=INK)
    axes.set_yticks(rows, labels)
    axes.set_xlim(0, 1.0 if as_share else max(max(left, default=0) * 1.12, 1))
    if as_share:
        axes.xaxis.set_major_formatter(PercentFormatter(1.0))
    axes.grid(axis="x", color=GRID, linewidth=0.6)
    axes.set_axisbelow(True)
    if not as_share:
        axes.xaxis.set_major_locator(MaxNLocator(integer=True))
    _legend(axes, columns=len(series))


def timeliness_chart(report: TimelinessReport, *, fmt: str = "png") -> bytes:
    """Per rule: deadlines due in the period, stacked by outcome."""
    figure, axes = _figure(len(report.by_rule))
    _title(axes, "Deadlines due, by outcome", f"{_period(report.period)} · judged on {report.as_of.isoformat()}")
    if not report.by_rule:
        _nothing(axes, "No deadline fell due in this period.")
        return render(figure, fmt=fmt)
    series = [(label, colour, [getattr(row, key) for row in report.by_rule]) for key, label, colour in OUTCOME_STYLE]
    notes = [f"{row.due} due · {percent(row.breach_rate)} breached" for row in report.by_rule]
    _stacked(axes, [row.rule or "" for row in report.by_rule], series, as_share=True, notes=notes)
    axes.set_xlabel("share of the deadlines due", color=INK, fontsize=8)
    return render(figure, fmt=fmt)


def days_used_chart(records: Sequence[ClockRecord], period: Period, *, as_of: date, fmt: str = "png") -> bytes:
    """Per rule: the share of the allowed days that met deadlines used (box: quartiles, whiskers: p10-p90)."""
    met = shares_by_rule(records, period, as_of=as_of)
    figure, axes = _figure(len(met))
    _title(axes, "Days used of the allowed days", f"met deadlines due {_period(period)} · box: middle half, "
           "line: median, whiskers: 10th-90th percentile")
    if not met:
        _nothing(axes, "No deadline due in this period has been met.")
        return render(figure, fmt=fmt)
    shares, positions = list(met.values()), list(range(len(met)))[::-1]
    axes.boxplot(shares, positions=positions, orientation="horizontal", whis=(10, 90), widths=0.55,
                 patch_artist=True, showfliers=False, medianprops={"color": INK},
                 boxprops={"facecolor": "#bbdefb", "edgecolor": "#1565c0"})
    axes.scatter([median(v) for v in shares], positions, color=INK, s=10, zorder=3)
    axes.axvline(1.0, color="#c62828", linestyle="--", linewidth=1)
    axes.text(1.0, positions[0] + 0.6, " due date", color="#c62828", fontsize=7, va="bottom")
    axes.set_yticks(positions, [f"{rule} ({len(s)})" for rule, s in met.items()])
    axes.set_ylim(-0.7, len(met) - 0.1)
    axes.xaxis.set_major_formatter(PercentFormatter(1.0))
    # Scaled to the largest 90th percentile: one very late outlier must not squash every box.
    axes.set_xlim(-0.02, max(1.2, max(percentile(v, 90) or 0 for v in shares) * 1.1))
    axes.set_xlabel("days used of the days allowed (100%: met on the due date; beyond: late)", color=INK, fontsize=8)
    axes.grid(axis="x", color=GRID, linewidth=0.6)
    axes.set_axisbelow(True)
    return render(figure, fmt=fmt)


def shares_by_rule(records: Sequence[ClockRecord], period: Period, *, as_of: date) -> dict[str, list[float]]:
    """Days used of the allowed days of the met deadlines due in the period, per rule in rulebook order."""
    met: dict[str, list[float]] = {}
    for record in due_in(records, period, as_of=as_of):
        used = days_used(record)
        if used is not None:
            met.setdefault(record.rule, []).append(used.share)
    return {rule: met[rule] for rule in sorted(met, key=rule_order)}


def breach_trend_chart(points: Sequence[TrendPoint], span: Period, *, marker: date | None = None,
                       fmt: str = "png") -> bytes:
    """Breach rate per bucket: every team together (bold) and each team; a line where the period starts."""
    figure, axes = _figure(8)
    size = points[-1].bucket.days if points else span.days
    _title(axes, "Breach rate of deadlines due", f"{_period(span)} · {size}-day buckets · met late or not met, of "
           f"the deadlines decided (buckets with fewer than {TREND_MIN_JUDGED} left out)")
    if not any(p.judged for p in points):
        _nothing(axes, "No deadline was decided in this span.")
        return render(figure, fmt=fmt)
    lines = _trend_lines(axes, points)
    if marker is not None:
        # Points sit on their bucket's last day: the line goes between the last day before and the first day.
        axes.axvline(date2num(marker) - 0.5, color="#78909c", linestyle="--", linewidth=1)
        axes.text(date2num(marker), 1.0, " this period", transform=axes.get_xaxis_transform(), fontsize=7,
                  color="#546e7a", va="top")
    locator = AutoDateLocator()
    axes.xaxis.set_major_locator(locator)
    axes.xaxis.set_major_formatter(ConciseDateFormatter(locator))
    axes.yaxis.set_major_locator(MaxNLocator(nbins=6, steps=[1, 2, 5, 10]))  # whole percentages only
    axes.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    axes.set_ylim(bottom=0)
    axes.grid(axis="y", color=GRID, linewidth=0.6)
    _legend(axes, columns=min(lines, 6))
    axes.set_xlabel("bucket ending", color=INK, fontsize=8)
    return render(figure, fmt=fmt)


def _trend_lines(axes: Axes, points: Sequence[TrendPoint]) -> int:
    """One line per team and a bold one for all teams; returns how many lines were drawn."""
    lines = grouped(points, lambda p: (p.group, p.team))
    for index, ((group, team), series) in enumerate(lines.items()):
        total = group == "total"
        colour = INK if total else TEAM_COLOURS[(index - 1) % len(TEAM_COLOURS)]
        xs = [date2num(p.bucket.end) for p in series]
        ys = [p.breach_rate if p.judged >= TREND_MIN_JUDGED and p.breach_rate is not None else math.nan
              for p in series]
        axes.plot(xs, ys, color=colour, linewidth=2.4 if total else 1.2, marker="o", markersize=3 if total else 2,
                  label="all teams" if total else (team or "unassigned"), alpha=1 if total else 0.85)
    return len(lines)


def contacts_chart(report: ContactReport, *, fmt: str = "png") -> bytes:
    """Regulation F findings per rule, and calls after a cease-communication notice or during a bankruptcy."""
    total = report.total
    rules = report.by_rule
    labels = [row.rule for row in rules] + ["calls after cease-communication", "calls during bankruptcy"]
    figure, axes = _figure(len(labels))
    _title(axes, "Contact compliance findings", f"contacts made {_period(report.period)} · {total.contacts} "
           f"contacts, {total.calls} of them calls")
    _stacked(axes, labels, [
        ("violation", "#c62828", [row.violations for row in rules] + [0, 0]),
        ("outside Regulation F scope (UDAAP/state risk)", "#ffb300",
         [row.outside_regf_scope for row in rules] + [0, 0]),
        ("flagged call (FDCPA 805(c) notice, automatic stay)", "#6a1b9a",
         [0] * len(rules) + [total.calls_after_cease, total.calls_in_bankruptcy]),
    ])
    axes.set_xlabel("contacts", color=INK, fontsize=8)
    return render(figure, fmt=fmt)


def pipeline_chart(report: PipelineReport, *, fmt: str = "png") -> bytes:
    """Applications in the pipeline by stage, stacked by age since receipt."""
    figure, axes = _figure(len(STAGES))
    count = sum(row.applications for row in report.stages)
    _title(axes, "Loss mitigation applications by stage", f"{count} in the pipeline on {report.as_of.isoformat()}"
           f" · {len(report.milestones)} cases near a foreclosure milestone")
    names = ("0-30 days", "31-60 days", "61-90 days", "over 90 days")
    series = [(name, colour, [row.bands[i] for row in report.stages])
              for i, (name, colour) in enumerate(zip(names, BAND_COLOURS, strict=True))]
    _stacked(axes, [row.stage for row in report.stages], series)
    axes.set_xlabel("applications (age since receipt)", color=INK, fontsize=8)
    return render(figure, fmt=fmt)

"""report.pdf: the human-readable case history (reportlab), rendered from the export's own views (no I/O).

Deterministic: reportlab's invariant mode fixes the creation date and document id, and the text streams are
left uncompressed, so two exports of a case differ only where the export time is printed.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import matplotlib
from reportlab.lib import colors
from reportlab.lib.pagesizes import letter
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import inch
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Flowable, Image, PageBreak, Paragraph, SimpleDocTemplate, Table, TableStyle

from audit.export.case_record import CaseRecord
from audit.export.report_sections import (
    breach_rows,
    clock_rows,
    contact_rows,
    correction_rows,
    derivation_lines,
    event_rows,
    identity_rows,
)

FONT, BOLD = "DejaVuSans", "DejaVuSans-Bold"  # shipped with matplotlib: covers §, ≥, – and accented names
BODY = ParagraphStyle("body", fontName=FONT, fontSize=8, leading=10)
SMALL = ParagraphStyle("small", fontName=FONT, fontSize=6.5, leading=8)
HEADING = ParagraphStyle("heading", fontName=BOLD, fontSize=11, leading=14, spaceBefore=10, spaceAfter=4,
                         keepWithNext=1)
TITLE = ParagraphStyle("title", fontName=BOLD, fontSize=15, leading=19, spaceAfter=4)
STATUS_COLOURS = {"met": "#2e7d32", "open": "#1565c0", "breached": "#c62828", "cancelled": "#757575",
                  "not_applicable": "#9e9e9e"}


@dataclass(frozen=True)
class ReportFacts:
    """What the report says about the export itself (the rest comes from the case record)."""

    exported_at: str
    requested_by: str
    rulebook_version: str
    generator_version: str
    checkpoint: dict[str, Any]
    verification: Sequence[str]
    redacted: bool


def _fonts() -> None:
    if FONT in pdfmetrics.getRegisteredFontNames():
        return
    folder = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
    pdfmetrics.registerFont(TTFont(FONT, str(folder / "DejaVuSans.ttf")))
    pdfmetrics.registerFont(TTFont(BOLD, str(folder / "DejaVuSans-Bold.ttf")))


def cell(text: Any, style: ParagraphStyle = SMALL) -> Paragraph:
    """A wrapped table cell (the text escaped: borrower text is never markup)."""
    return Paragraph(escape("" if text is None else str(text)), style)


def table(header: Sequence[str], rows: Sequence[Sequence[Any]], widths: Sequence[float]) -> Table:
    """A grid with a bold repeated header; a cell reading a clock status is coloured by it."""
    data = [[Paragraph(escape(h), ParagraphStyle("th", parent=SMALL, fontName=BOLD)) for h in header]]
    data += [[cell(value) for value in row] for row in rows]
    grid = Table(data, colWidths=[w * inch for w in widths], repeatRows=1)
    style = [("GRID", (0, 0), (-1, -1), 0.25, colors.HexColor("#bdbdbd")),
             ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eeeeee")), ("VALIGN", (0, 0), (-1, -1), "TOP")]
    for r, row in enumerate(rows, start=1):
        for c, value in enumerate(row):
            if value in STATUS_COLOURS:
                style.append(("TEXTCOLOR", (c, r), (c, r), colors.HexColor(STATUS_COLOURS[str(value)])))
    grid.setStyle(TableStyle(style))
    return grid


def _section(title: str, body: Sequence[Flowable], empty: str) -> list[Flowable]:
    return [Paragraph(escape(title), HEADING), *(body or [Paragraph(escape(empty), BODY)])]


def story(record: CaseRecord, facts: ReportFacts, chart_png: bytes) -> list[Flowable]:
    """Every flowable of the report, in reading order."""
    redacted = " (redacted: borrower references and free text are pseudonyms)" if facts.redacted else ""
    clocks, breaches, fixes = clock_rows(record), breach_rows(record), correction_rows(record)
    contacts = contact_rows(record)
    return [
        Paragraph(escape(f"Case history — {record.case_id}"), TITLE),
        Paragraph(escape(f"Exported {facts.exported_at} for {facts.requested_by}{redacted}."), BODY),
        table(("Field", "Value"), identity_rows(record, facts), (1.9, 5.0)),
        *_section("Verification", [Paragraph("• " + escape(line), BODY) for line in facts.verification], ""),
        Paragraph("Timeline", HEADING),
        Image(io.BytesIO(chart_png), width=7.0 * inch, height=7.0 * inch * _aspect(chart_png), kind="proportional"),
        *_section("Clocks", [table(("Rule", "Citation", "Trigger", "Date", "Status", "Met by / on", "Notes"),
                                   clocks, (1.4, 1.0, 1.15, 0.85, 0.65, 1.0, 1.25))] if clocks else [],
                  "No clock applies to this case."),
        *_section("Breaches", [table(("Rule", "Due", "Detected at", "By", "Acknowledged"),
                                     breaches, (1.3, 0.8, 1.6, 0.9, 2.3))] if breaches else [],
                  "No breach was recorded by the monitoring scan."),
        *_section("Corrections and voids", [table(("Version", "Kind", "Original entry", "Replacement", "Reason"),
                                                  fixes, (0.55, 0.75, 2.4, 1.9, 1.3))] if fixes else [],
                  "No entry was corrected or voided."),
        *_section("Contacts and Regulation F", [table(("Borrower-local time", "Channel", "Outcome", "Party",
                                                       "Calls in 7 days", "Findings"),
                                                      contacts, (1.3, 0.9, 0.8, 0.8, 0.6, 2.5))] if contacts else [],
                  "No contact was logged."),
        PageBreak(),
        Paragraph("Event log", HEADING),
        table(("Version", "Position", "Legal date", "Type", "Recorded at (UTC)", "Actor"), event_rows(record),
              (0.5, 0.6, 0.8, 1.9, 1.7, 1.4)),
        Paragraph("How each date was derived", HEADING),
        *[Paragraph(escape(line), SMALL) for line in derivation_lines(record)],
    ]


def _aspect(png: bytes) -> float:
    """Height / width of a PNG, read from its IHDR chunk."""
    width, height = int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")
    return height / width


def _footer(case_id: str, exported_at: str) -> Any:
    def draw(canvas: Any, doc: Any) -> None:
        canvas.saveState()
        canvas.setFont(FONT, 6.5)
        canvas.drawString(0.6 * inch, 0.4 * inch, f"Case {case_id} — exported {exported_at}")
        canvas.drawRightString(7.9 * inch, 0.4 * inch, f"page {doc.page}")
        canvas.restoreState()

    return draw


def render_report(record: CaseRecord, facts: ReportFacts, chart_png: bytes) -> bytes:
    """The PDF bytes of the case history."""
    _fonts()
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer, pagesize=letter, leftMargin=0.6 * inch, rightMargin=0.6 * inch, topMargin=0.6 * inch,
        bottomMargin=0.6 * inch, title=f"Case history {record.case_id}", author="lossmit-compliance",
        subject="Examiner export", creator="lossmit-compliance", invariant=1, pageCompression=0,
    )
    footer = _footer(record.case_id, facts.exported_at)
    document.build(story(record, facts, chart_png), onFirstPage=footer, onLaterPages=footer)
    return buffer.getvalue()


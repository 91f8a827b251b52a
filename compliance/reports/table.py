"""A report as one flat table: stable column names and plain cell values, for CSV and the console."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date

Cell = str | int | float | date | None


@dataclass(frozen=True)
class Table:
    """Columns (documented in docs/reports.md, never renamed) and rows of cells in that order."""

    columns: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]

    def __post_init__(self) -> None:
        for row in self.rows:
            if len(row) != len(self.columns):
                raise ValueError(f"a row has {len(row)} cells for {len(self.columns)} columns")

    def text_rows(self) -> list[list[str]]:
        """Every row as text: dates ISO, numbers as Python writes them (ratios to 4 decimals), nothing empty."""
        return [[cell_text(cell) for cell in row] for row in self.rows]

    def to_csv(self) -> str:
        """RFC 4180 CSV text (CRLF line ends), header first."""
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerow(self.columns)
        writer.writerows(self.text_rows())
        return buffer.getvalue()


def cell_text(cell: Cell) -> str:
    """One cell as CSV text."""
    if cell is None:
        return ""
    if isinstance(cell, float):
        return str(round(cell, 4))
    if isinstance(cell, date):
        return cell.isoformat()
    return str(cell)


def ratio(value: float | None) -> float | None:
    """A ratio rounded for JSON (4 decimals), None kept."""
    return None if value is None else round(value, 4)

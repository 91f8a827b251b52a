"""The standalone data tape (`compliance data-tape`): loans.csv for every case, or a portfolio scope, streamed."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime

import structlog
from sqlalchemy import Engine

from audit.export.case_material import gather_case
from audit.export.csv_columns import csv_lines
from audit.export.portfolio_scope import PortfolioScope, scoped_cases
from audit.export.tape import TAPE_COLUMNS, tape_row
from audit.reads import read_head
from compliance.evaluation import Readings

log = structlog.get_logger()


def data_tape(
    engine: Engine, *, now: datetime, calendar: str, scope: PortfolioScope | None = None, as_of: date | None = None,
    readings: Readings | None = None,
) -> Iterator[bytes]:
    """CSV lines (header first) of one row per case, in case id order; a case that cannot be computed is logged."""
    yield from csv_lines(TAPE_COLUMNS, [])
    with engine.connect() as conn:
        upto = read_head(conn).position
        for case_id, stored in scoped_cases(conn, scope, upto=upto):
            try:
                material = gather_case(stored, now=now, calendar=calendar, as_of=as_of, readings=readings)
            except Exception as exc:  # noqa: BLE001 - one case the engine cannot compute must not stop the tape
                log.error("data_tape_case_failed", case_id=case_id, error=type(exc).__name__)
                continue
            yield from csv_lines(TAPE_COLUMNS, [tape_row(material)], header=False)

"""Pure performance reports over plain clock, case and application records (issue 8): no I/O, no clock.

Timeliness per rule, contact compliance, the loss mitigation pipeline and suggested improvements. The period
and `as_of` are always arguments; audit/reports.py loads the records, the edges render them.
"""

from __future__ import annotations

from compliance.reports.contacts import ContactReport, contact_report
from compliance.reports.improvements import ImprovementsReport, improvements_report
from compliance.reports.pipeline import PipelineReport, bar_in_force, pipeline_report
from compliance.reports.records import (
    ApplicationRecord,
    Assignment,
    CaseRecord,
    ClockRecord,
    Period,
    assignment_of,
    clock_record,
    period_for,
)
from compliance.reports.stages import STAGES, application_records
from compliance.reports.table import Table
from compliance.reports.timeliness import TimelinessReport, TimelinessRow, outcome, timeliness_report
from compliance.reports.trend import TrendPoint, breach_trend

Report = TimelinessReport | ContactReport | PipelineReport | ImprovementsReport
NAMES = ("timeliness", "contacts", "pipeline", "improvements")

__all__ = [
    "NAMES", "STAGES", "ApplicationRecord", "Assignment", "CaseRecord", "ClockRecord", "ContactReport",
    "ImprovementsReport", "Period", "PipelineReport", "Report", "Table", "TimelinessReport", "TimelinessRow",
    "TrendPoint", "application_records", "assignment_of", "bar_in_force", "breach_trend", "clock_record",
    "contact_report", "improvements_report", "outcome", "period_for", "pipeline_report", "timeliness_report",
]

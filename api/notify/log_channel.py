"""Structured-log channel: one `alert_delivered` line with ids only (never the text or recipients)."""

from __future__ import annotations

from typing import Any

import structlog

from api.notify.message import AlertMessage


class LogChannel:
    """Writes each alert to the operations log; always succeeds unless the logger itself fails."""

    name = "log"

    def __init__(self, *, logger: Any = None) -> None:
        self._log = logger if logger is not None else structlog.get_logger("notify")

    def send(self, alert: AlertMessage) -> None:
        """Log the alert's identifiers."""
        self._log.info(
            "alert_delivered",
            alert_id=alert.alert_id,
            level=alert.level,
            case_id=alert.case_id,
            rule=alert.rule,
            clock_id=alert.clock_id,
            due=alert.due.isoformat() if alert.due else None,
            status=alert.status,
            manager_id=alert.routed_to.manager_id,
            team=alert.routed_to.team,
        )

"""Log channel: one `alert_delivered` line carrying identifiers only."""

from __future__ import annotations

from structlog.testing import capture_logs

from api.notify import LogChannel
from tests.api.test_notify_message import breach


def test_one_line_with_ids_and_nothing_else() -> None:
    with capture_logs() as lines:
        LogChannel().send(breach())
    assert lines == [
        {
            "event": "alert_delivered",
            "log_level": "info",
            "alert_id": "al-1",
            "level": "breached",
            "case_id": "C-1",
            "rule": "lm_ack_notice",
            "clock_id": "lm_ack_notice:ev-1",
            "due": "2026-07-09",
            "status": "breached",
            "manager_id": "mgr-7",
            "team": "east",
        }
    ]

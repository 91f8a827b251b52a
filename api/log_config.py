"""structlog configured once: JSON lines in production, a readable console in development."""

from __future__ import annotations

import logging
import sys

import structlog

from api.settings import Settings

# Keys that may carry borrower PII; they are dropped from every log line (CONTRACT §2: borrower_ref,
# free-text summaries and notes).
PII_KEYS = frozenset({"borrower_ref", "summary", "text", "borrower_name", "name", "address", "phone", "email"})


def drop_pii(_logger: object, _method: str, event_dict: dict[str, object]) -> dict[str, object]:
    """Processor that removes PII-bearing keys before rendering."""
    for key in PII_KEYS & event_dict.keys():
        event_dict[key] = "[redacted]"
    return event_dict


def configure_logging(settings: Settings) -> None:
    """Set up structlog and stdlib logging once for the whole process."""
    level = logging.getLevelNamesMapping().get(settings.log_level.upper(), logging.INFO)
    renderer: structlog.types.Processor = (
        structlog.processors.JSONRenderer()
        if settings.log_format == "json"
        else structlog.dev.ConsoleRenderer(colors=False)
    )
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            drop_pii,
            structlog.processors.format_exc_info,
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(level),
        logger_factory=structlog.PrintLoggerFactory(file=sys.stderr),
        cache_logger_on_first_use=False,
    )
    logging.basicConfig(level=level, stream=sys.stderr, format="%(message)s")

"""Reading an optional field of an event payload: getattr(data, name, default), without pydantic's slow miss.

A pydantic model answers a missing attribute by raising inside __getattr__ (and again in the metaclass), which
costs microseconds per miss; rules ask "has this event a due_date / transfer_date / application_id?" of every
trigger. Field values live in the instance dict, and whether a miss can resolve to anything is a property of
the class, so both questions are answered with lookups and getattr runs only where it could find something.
"""

from __future__ import annotations

import functools
from typing import Any


def field_of(data: Any, name: str, *, default: Any = None) -> Any:
    """getattr(data, name, default) for a pydantic event payload (the same answer, faster when absent)."""
    values = data.__dict__
    if name in values:
        return values[name]
    if _always_absent(data.__class__, name):
        return default
    return getattr(data, name, default)


@functools.cache
def _always_absent(cls: type, name: str) -> bool:
    # Pydantic's __getattr__ finds only private attributes and `extra` fields, then the class itself.
    private = getattr(cls, "__private_attributes__", None)
    config = getattr(cls, "model_config", None) or {}
    return not private and config.get("extra") != "allow" and not hasattr(cls, name)

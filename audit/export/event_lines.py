"""The events.jsonl form of a stored event: the full envelope with its salt, or redacted with commitments."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from audit.canonical import selective_disclosure, sensitive_pointers
from audit.export.redaction import Redactor
from audit.reads import StoredEvent


def full_line(stored: StoredEvent) -> dict[str, Any]:
    """The CONTRACT §1 envelope plus the event salt: the verifier derives every field salt from it."""
    return {**stored.to_json(), "salt": stored.salt}


def redacted_line(stored: StoredEvent, redactor: Redactor) -> dict[str, Any]:
    """The envelope with every sensitive value replaced by a pseudonym and its commitment shipped instead.

    No salt is shipped (it would let anyone recompute and brute-force the withheld values); `commitments`
    {pointer: hex} are what the hash covers for those fields (docs/tamper-evidence.md §3).
    """
    found = list(sensitive_pointers(stored.type, stored.data))
    disclosed = selective_disclosure(stored.envelope(), withhold={pointer for _, pointer in found})
    data: dict[str, Any] = json.loads(json.dumps(stored.data))  # deep copy
    for path, pointer in found:
        parent = data
        for part in path[:-1]:
            parent = parent[part]
        # An absent value (null) stays null: its commitment is still shipped, and there is nothing to hide.
        stand_in = None if parent[path[-1]] is None else redactor.pseudonym(path[-1], parent[path[-1]])
        parent[path[-1]] = stand_in
        redactor.record(event_id=stored.id, position=stored.position, pointer=pointer, stand_in=stand_in)
    return {**stored.to_json(), "data": data, **disclosed}


def event_line(stored: StoredEvent, redactor: Redactor | None) -> dict[str, Any]:
    """The line for this export: redacted when a redactor is given."""
    return full_line(stored) if redactor is None else redacted_line(stored, redactor)


def dumps_line(line: Mapping[str, Any]) -> bytes:
    """One JSON Lines record: sorted keys, no insignificant whitespace, UTF-8, newline-terminated."""
    return (json.dumps(line, sort_keys=True, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8")

"""Redaction for examiner exports: stable per-export pseudonyms in place of borrower references and free text.

What is withheld is exactly what the hash chain commits to with salts (audit.canonical.SENSITIVE_FIELDS), so a
redacted event still verifies: it ships the field's commitment instead of its value (docs/tamper-evidence.md §3).
A pseudonym is HMAC-SHA256(per-export key, value): the same value reads the same throughout one export, and
nothing links it to another export or lets anyone holding the bundle test a guess (the key is never shipped).
"""

from __future__ import annotations

import hashlib
import hmac
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from audit.canonical import canonical_json

# How a pseudonym reads, by field name ("borrower-7f3a09c1d2e4").
PSEUDONYM_PREFIX: Mapping[str, str] = {"borrower_ref": "borrower", "summary": "summary", "text": "note",
                                       "reason": "reason"}
PSEUDONYM_HEX = 12
METHOD = "HMAC-SHA256(per-export key, canonical JSON of the value), first 12 hex digits; the key is not exported"


@dataclass
class Redactor:
    """Pseudonyms for one export, and the record of every field it withheld (for the manifest)."""

    key: bytes
    withheld: list[dict[str, Any]] = field(default_factory=list)
    _texts: dict[str, str] = field(default_factory=dict)

    @classmethod
    def fresh(cls, key: bytes | None = None) -> Redactor:
        """A redactor with a random 256-bit key (or the given one, to reproduce an export in tests)."""
        return cls(key if key is not None else os.urandom(32))

    def pseudonym(self, name: str, value: Any) -> str:
        """The stable stand-in of one value in this export."""
        digest = hmac.new(self.key, canonical_json(value).encode("utf-8"), hashlib.sha256).hexdigest()
        stand_in = f"{PSEUDONYM_PREFIX.get(name, 'redacted')}-{digest[:PSEUDONYM_HEX]}"
        if isinstance(value, str) and value:
            self._texts[value] = stand_in
        return stand_in

    def record(self, *, event_id: str, position: int, pointer: str, stand_in: str | None) -> None:
        """Note one withheld field (what the manifest's redaction log lists)."""
        self.withheld.append({"event_id": event_id, "position": position, "pointer": pointer, "pseudonym": stand_in})

    def scrub(self, value: Any) -> Any:
        """`value` with every withheld text replaced by its pseudonym wherever it appears (derived text too)."""
        if isinstance(value, str):
            for text in sorted(self._texts, key=len, reverse=True):  # longest first: no partial replacement
                if text in value:
                    value = value.replace(text, self._texts[text])
            return value
        if isinstance(value, Mapping):
            return {k: self.scrub(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [self.scrub(v) for v in value]
        return value

"""What every export is asked with (ExportRequest) and the files every bundle carries (verify.py, README.txt).

Kept apart from the case bundle (audit.export.bundle), which draws charts and PDFs: a portfolio export needs
none of that, and loading matplotlib and reportlab for it would double its memory (issue 6: under 150 MB).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from importlib import resources
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from audit.canonical import SENSITIVE_FIELDS
from audit.checkpoints import LogTree
from audit.export.readme import README
from audit.export.redaction import METHOD, Redactor
from audit.store import Actor
from compliance.evaluation import Readings
from timelines.calendar import DEFAULT_POLICY


@dataclass(frozen=True)
class ExportRequest:
    """Who asks, when, and how: the parameters every export takes besides the engine and its scope."""

    key: Ed25519PrivateKey
    now: datetime
    actor: Actor
    redact: bool = False
    calendar: str = DEFAULT_POLICY
    as_of: date | None = None
    tree: LogTree | None = None
    redaction_key: bytes | None = None
    # How unclear provisions are read (rulebook §9); the frozen default serves every request naming none.
    readings: Readings = Readings()

    def redactor(self) -> Redactor | None:
        """A fresh redactor for one export, or None when nothing is withheld."""
        return Redactor.fresh(self.redaction_key) if self.redact else None


def verifier_source() -> bytes:
    """verify.py: the standalone verifier, byte for byte the module the service itself verifies with."""
    return resources.files("audit.export").joinpath("verifier.py").read_bytes()


def readme() -> bytes:
    """README.txt: what the files are and how to check them."""
    return README.encode("utf-8")


def redaction_context(redactor: Redactor | None) -> dict[str, Any]:
    """The manifest's record of what was withheld (empty when nothing was)."""
    if redactor is None:
        return {"applied": False}
    fields = {kind: [f"/data/{name}" for name in names] for kind, names in SENSITIVE_FIELDS.items()}
    return {"applied": True, "fields": fields, "method": METHOD, "withheld": redactor.withheld}

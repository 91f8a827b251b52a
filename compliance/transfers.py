"""Rule family transfers (being written)."""

from __future__ import annotations

from compliance.clock import Clock
from compliance.evaluation import Evaluation


def clocks(ev: Evaluation) -> list[Clock]:
    """Every clock of this family for the case."""
    return []

"""Rebuild tests/timelines/us_legal_holidays_2000_2045.json from the pinned `holidays` package.

Run `.venv/bin/python -m tests.timelines.regen_holidays` after upgrading `holidays`, then review the diff:
every moved, added or renamed date changes Reg X deadlines.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import holidays

from timelines.calendar import POLICIES, legal_public_holidays
from timelines.span import FIRST_YEAR, LAST_YEAR

GOLDEN_FILE = Path(__file__).with_name(f"us_legal_holidays_{FIRST_YEAR}_{LAST_YEAR}.json")


def excluded_holidays() -> dict[str, dict[str, str]]:
    """Policy name -> {ISO date: holiday name} for every holiday each policy excludes."""
    return {
        name: {day.isoformat(): label for day, label in legal_public_holidays(policy).items()}
        for name, policy in sorted(POLICIES.items())
    }


def render() -> str:
    """The golden file's text: one holiday per line, so an upgrade shows up as a readable diff."""
    document: dict[str, Any] = {
        "about": "Holidays each Reg X calendar policy excludes (5 U.S.C. 6103(a)); timelines/calendar.py",
        "generated_with": f"holidays {holidays.__version__}",
        "years": [FIRST_YEAR, LAST_YEAR],
        "policies": excluded_holidays(),
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def main() -> None:
    """Write the golden file and say where."""
    GOLDEN_FILE.write_text(render(), encoding="utf-8")
    print(f"wrote {GOLDEN_FILE}")


if __name__ == "__main__":
    main()

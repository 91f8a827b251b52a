"""Reading ../shared/golden cases and matching their expectations against computed clocks."""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path

from compliance.casefile import parse_casefile
from compliance.engine import compute_clocks, timeline_json
from timelines.calendar import calendar_for


def load_cases(folder: Path) -> list[dict[str, object]]:
    """Every golden case, one dict per line of cases.jsonl."""
    lines = (folder / "cases.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def run_case(casefile: dict[str, object]) -> dict[str, object]:
    """The calculator's answer for one case file (as_of is always given in golden cases)."""
    parsed = parse_casefile(casefile, default_as_of=date(2000, 1, 1))
    cal = calendar_for(parsed.calendar)
    clocks = compute_clocks(parsed.case_id, parsed.profile, parsed.events, cal, parsed.as_of)
    return timeline_json(parsed.case_id, parsed.as_of, parsed.calendar, clocks)


def _same_instant(a: str | None, b: str) -> bool:
    return a is not None and datetime.fromisoformat(a) == datetime.fromisoformat(b)


def find_clock(answer: dict[str, object], expect: dict[str, str]) -> dict[str, object] | None:
    """The clock an expectation names: by rule, trigger type, trigger date and (checks) trigger timestamp."""
    for clock in answer["clocks"]:  # type: ignore[union-attr]
        trig = clock["trigger"]
        if (clock["rule"], trig["type"], trig["on"]) != (expect["rule"], expect["trigger_type"], expect["trigger_on"]):
            continue
        if "trigger_at" in expect and not _same_instant(trig["at"], expect["trigger_at"]):
            continue
        return clock
    return None


def observed_value(clock: dict[str, object], field: str) -> object:
    """The clock's value for an expectation field (alternative_due reads the observed-policy date)."""
    if field == "alternative_due":
        alts = {a["calendar"]: a["due"] for a in clock["alternatives"]}  # type: ignore[union-attr]
        return alts.get("us-6103a-observed", clock.get("due"))
    return clock.get(field)

"""Every worked case in ../shared/golden passes, one test id per case; failures print the derivation."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.compliance.golden import find_clock, load_cases, observed_value, run_case
from tests.conftest import GOLDEN_DIR

CASES = load_cases(GOLDEN_DIR) if (GOLDEN_DIR / "cases.jsonl").exists() else []


@pytest.mark.parametrize("case", CASES, ids=[str(c["id"]) for c in CASES])
def test_golden_case(case: dict[str, object], golden_dir: Path) -> None:
    answer = run_case(case["casefile"])  # type: ignore[arg-type]
    problems = []
    for expect in case["expect"]:  # type: ignore[union-attr]
        clock = find_clock(answer, expect)
        if clock is None:
            problems.append(f"no clock {expect['rule']} for {expect['trigger_type']} on {expect['trigger_on']}")
            continue
        got = observed_value(clock, expect["field"])
        if got != expect["value"]:
            problems.append(
                f"{expect['rule']} {expect['field']}: expected {expect['value']}, got {got}\n"
                + json.dumps(clock, indent=2)
            )
    assert not problems, f"{case['id']} — {case['title']}\n" + "\n".join(problems)


def test_golden_folder_present(golden_dir: Path) -> None:
    assert CASES, f"no cases read from {golden_dir}"

"""The scale run (bench/scale.py, issue 8) at a tiny size on SQLite: every step runs, and a second run resumes."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bench.scale import STEPS, Portfolio, main


def test_portfolio_has_exactly_the_events_and_cases_asked_for() -> None:
    portfolio = Portfolio(events=1_003, cases=40, trail=50)

    lengths = [portfolio.length(i) for i in range(portfolio.cases)]
    files = [portfolio.case_file(i) for i in range(portfolio.cases)]

    assert sum(lengths) == 1_003
    assert lengths[0] == 50
    # The importer adds the case_opened event for the file's `case` object.
    assert [len(f["events"]) + 1 for f in files] == lengths
    assert portfolio.case_file(7) == Portfolio(events=1_003, cases=40, trail=50).case_file(7)  # deterministic


def test_scale_run_measures_every_step_then_resumes_without_reloading(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["--events", "400", "--cases", "20", "--db", "sqlite", "--reads", "20", "--dir", str(tmp_path)]

    main(args)
    first = capsys.readouterr().out

    for step in STEPS:
        assert f"  {step} " in first, step
    assert first.count("reference:") == len(STEPS)
    assert re.search(r"^  load +400 events", first, re.MULTILINE)
    assert "0 cases failed" in first
    assert "(50 events)" in first  # the trail case read whole
    assert "chain intact" in first

    main([*args, "--skip", "clocks", "read", "scan", "export"])
    again = capsys.readouterr().out

    assert "already loaded (20 cases): skipped" in again
    assert "chain intact" in again

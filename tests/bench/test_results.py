"""bench/RESULTS.md sections (bench/__main__.py): a run of some benchmarks keeps the others' sections."""

from __future__ import annotations

from pathlib import Path

from bench.__main__ import kept_sections, section, section_key


def test_sections_written_are_read_back_by_key(tmp_path: Path) -> None:
    results = tmp_path / "RESULTS.md"
    clocks = section("clocks", "clocks", ("--cases", "20000"), "cases/s 12,000\nratio 1.3x", 41.0, 0)
    scale = section("scale-full", "scale", ("--fresh",), "load 1,000,000 events", 1800.0, 1)
    results.write_text("# Benchmark results\n\n" + clocks + scale + "\n(this run: 1841 s)\n", encoding="utf-8")

    kept = kept_sections(results)

    assert list(kept) == ["clocks", "scale-full"]
    assert kept["clocks"] == clocks
    assert "ratio 1.3x" in kept["clocks"]
    assert "(full size)" in kept["scale-full"]
    assert "FAILED with exit code 1" in kept["scale-full"]
    assert "this run" not in kept["scale-full"]


def test_only_the_scale_run_has_a_full_size_section_of_its_own() -> None:
    assert section_key("scale", full=True) == "scale-full"
    assert section_key("scale", full=False) == "scale"
    assert section_key("export", full=True) == "export"

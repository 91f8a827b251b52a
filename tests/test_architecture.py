"""Architecture rules (STYLE rule 1): the functional core imports no I/O library and reads no clock.

timelines/ imports only the standard library and `holidays`; compliance/ only the standard library,
pydantic, timelines and itself. Neither imports a database, web, scheduler or logging library, and neither
reads the wall clock (datetime.now/utcnow/today, date.today, time.time): time is always an argument.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
STDLIB = frozenset(sys.stdlib_module_names)
FORBIDDEN = frozenset(
    {"sqlalchemy", "sqlmodel", "sqlite3", "fastapi", "starlette", "apscheduler", "structlog", "logging"}
)
ALLOWED = {
    "timelines": frozenset({"holidays", "timelines"}),
    "compliance": frozenset({"pydantic", "timelines", "compliance"}),
}
CLOCK_READS = frozenset(
    {
        "datetime.datetime.now",
        "datetime.datetime.utcnow",
        "datetime.datetime.today",
        "datetime.date.today",
        "time.time",
        "time.time_ns",
    }
)


def _aliases(tree: ast.Module) -> dict[str, str]:
    """Local name -> the dotted path it stands for, from the module's imports."""
    names: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    names[alias.asname] = alias.name
                else:
                    top = alias.name.split(".")[0]
                    names[top] = top
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                names[alias.asname or alias.name] = f"{node.module}.{alias.name}"
    return names


def imported_modules(source: str) -> set[str]:
    """Top-level names of every absolute import in the source (relative imports stay in the package)."""
    modules: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            modules.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            modules.add(node.module.split(".")[0])
    return modules


def _dotted(node: ast.expr, aliases: dict[str, str]) -> str | None:
    if isinstance(node, ast.Name):
        return aliases.get(node.id)
    if isinstance(node, ast.Attribute):
        base = _dotted(node.value, aliases)
        return f"{base}.{node.attr}" if base else None
    return None


def clock_reads(source: str) -> list[str]:
    """Every reference to a wall-clock function, called or passed on (default_factory=datetime.now)."""
    tree = ast.parse(source)
    aliases = _aliases(tree)
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Name | ast.Attribute) and isinstance(node.ctx, ast.Load):
            dotted = _dotted(node, aliases)
            if dotted in CLOCK_READS:
                found.append(f"line {node.lineno}: {dotted}")
    return found


def core_modules() -> Iterator[tuple[str, Path]]:
    for package in sorted(ALLOWED):
        for path in sorted((ROOT / package).rglob("*.py")):
            yield package, path


CORE = list(core_modules())
IDS = [str(path.relative_to(ROOT)) for _, path in CORE]


@pytest.mark.parametrize(("package", "path"), CORE, ids=IDS)
def test_core_imports_only_what_its_ring_allows(package: str, path: Path) -> None:
    imported = imported_modules(path.read_text(encoding="utf-8"))
    assert not imported & FORBIDDEN, f"{path.name} imports an I/O or logging library"
    assert imported - STDLIB - ALLOWED[package] == set()


@pytest.mark.parametrize(("package", "path"), CORE, ids=IDS)
def test_core_reads_no_clock(package: str, path: Path) -> None:
    assert clock_reads(path.read_text(encoding="utf-8")) == []


def test_timelines_may_not_import_compliance() -> None:
    """Imports point inward only: api -> audit -> compliance -> timelines."""
    imported = imported_modules("from compliance.events import EVENT_TYPES")
    assert imported - STDLIB - ALLOWED["timelines"] == {"compliance"}
    assert imported - STDLIB - ALLOWED["compliance"] == set()


def test_the_packages_exist() -> None:
    assert {package for package, _ in CORE} == set(ALLOWED)


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("import logging", {"logging"}),
        ("from sqlalchemy.orm import Session", {"sqlalchemy"}),
        ("import structlog as log", {"structlog"}),
        ("from . import span\nfrom .calendar import x", set()),
    ],
)
def test_the_import_detector(source: str, expected: set[str]) -> None:
    assert imported_modules(source) == expected


@pytest.mark.parametrize(
    "source",
    [
        "import datetime\ndatetime.datetime.now()",
        "from datetime import datetime\ndatetime.now(tz)",
        "from datetime import datetime as dt\nx = dt.utcnow()",
        "from datetime import date\ndate.today()",
        "import datetime as d\nd.date.today()",
        "import time\ntime.time()",
        "from time import time\nstamp = time()",
        "from datetime import datetime\nfield(default_factory=datetime.now)",
    ],
)
def test_the_clock_detector_finds_clock_reads(source: str) -> None:
    assert clock_reads(source) != []


@pytest.mark.parametrize(
    "source",
    [
        "def f(now):\n    return now.date()",
        "from datetime import datetime\ndatetime.fromisoformat(s)",
        "clock.now()",
    ],
)
def test_the_clock_detector_allows_time_passed_in(source: str) -> None:
    assert clock_reads(source) == []

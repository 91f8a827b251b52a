"""audit/reports.py and audit/report_charts.py on a small seeded demo portfolio: the projection tables and the
log-based fallback give the same reports; team filters; failed cases are listed; charts are valid PNG/SVG."""

from __future__ import annotations

import json
import os
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, create_engine, text, update
from sqlalchemy.engine import make_url

from audit.database import make_engine
from audit.demo import seed_demo
from audit.migrate import upgrade
from audit.projection_schema import case_summary
from audit.projections import rebuild
from audit.report_charts import CHARTS, chart
from audit.reports import ReportQuery, build_report, projections_ready
from compliance.reports import NAMES, Period

TODAY = date(2026, 7, 10)
NOW = datetime(2026, 7, 10, 15, 0, tzinfo=UTC)
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
QUERY = ReportQuery(Period.ending(TODAY, days=60), TODAY)


def seeded(url: str, *, cases: int) -> Engine:
    """A migrated database holding the demo portfolio (no projections written yet)."""
    engine = make_engine(url)
    upgrade(engine)
    report = seed_demo(engine, cases=cases, seed=11, today=TODAY, now=NOW)
    assert report.imported == cases and not report.rejected
    return engine


def comparable(name: str, engine: Engine, query: ReportQuery = QUERY) -> tuple[str, str]:
    result = build_report(engine, name, query)
    body = result.to_json()
    return result.source, json.dumps({k: v for k, v in body.items() if k != "source"}, sort_keys=True)


def assert_same_reports_from_both_sources(engine: Engine) -> None:
    with engine.connect() as conn:
        assert not projections_ready(conn)
    from_log = {name: comparable(name, engine) for name in NAMES}
    assert {source for source, _ in from_log.values()} == {"log"}
    rebuild(engine, calendar="us-6103a")
    with engine.connect() as conn:
        assert projections_ready(conn)
    for name in NAMES:
        source, body = comparable(name, engine)
        assert source == ("log" if name == "contacts" else "projections")  # contact flags come from the log
        assert body == from_log[name][1], name


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    """60 demo cases in a SQLite file (read from the log until a test below rebuilds the projections)."""
    path: Path = tmp_path_factory.mktemp("reports") / "reports.db"
    engine = seeded(f"sqlite:///{path.as_posix()}", cases=60)
    yield engine
    engine.dispose()


def test_projections_and_log_give_the_same_reports(tmp_path: Path) -> None:
    engine = seeded(f"sqlite:///{(tmp_path / 'both.db').as_posix()}", cases=40)
    try:
        assert_same_reports_from_both_sources(engine)
    finally:
        engine.dispose()


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A database of our own on the test PostgreSQL server (created and dropped here), or a clean skip."""
    admin_url = os.environ.get("COMPLIANCE_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    try:
        admin = create_engine(admin_url, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3})
        with admin.connect() as conn:
            conn.execute(text("select 1"))
    except Exception as exc:  # noqa: BLE001 - any failure to connect means "no server here"
        pytest.skip(f"PostgreSQL not reachable: {exc.__class__.__name__}")
    name = f"compliance_reports_{uuid.uuid4().hex[:12]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.mark.postgres
def test_projections_and_log_agree_on_postgresql(postgres_url: str) -> None:
    engine = seeded(postgres_url, cases=25)
    try:
        assert_same_reports_from_both_sources(engine)
    finally:
        engine.dispose()


def test_reports_have_substance(engine: Engine) -> None:
    timeliness = build_report(engine, "timeliness", QUERY).to_json()
    assert timeliness["total"]["due"] > 50  # type: ignore[index]
    assert {row["team"] for row in timeliness["by_team"]} >= {"east-1", "east-2", "central-1", "west-1"}  # type: ignore[attr-defined]
    contacts = build_report(engine, "contacts", QUERY).to_json()
    assert contacts["total"]["contacts"] > 0  # type: ignore[index]
    pipeline = build_report(engine, "pipeline", QUERY).to_json()
    assert sum(s["applications"] for s in pipeline["stages"]) > 0  # type: ignore[attr-defined]
    assert build_report(engine, "improvements", QUERY).to_json()["sentences"]


def test_team_filter_keeps_one_team(engine: Engine) -> None:
    query = ReportQuery(QUERY.period, TODAY, team="east-2")
    for name in ("timeliness", "contacts"):
        body: dict[str, Any] = build_report(engine, name, query).to_json()
        assert [row["team"] for row in body["by_team"]] == ["east-2"]
    pipeline: dict[str, Any] = build_report(engine, "pipeline", query).to_json()
    assert {a["team"] for a in pipeline["applications"]} <= {"east-2"}
    assert {m["team"] for m in pipeline["milestones"]} <= {"east-2"}


def test_cases_the_projection_could_not_compute_are_listed(engine: Engine) -> None:
    rebuild(engine, calendar="us-6103a")
    with engine.begin() as conn:
        first = conn.execute(text("select case_id from case_summary order by case_id limit 1")).scalar_one()
        conn.execute(update(case_summary).where(case_summary.c.case_id == first).values(projection_error="boom"))
    try:
        assert build_report(engine, "timeliness", QUERY).failed_cases == (first,)
    finally:
        with engine.begin() as conn:
            conn.execute(update(case_summary).where(case_summary.c.case_id == first).values(projection_error=None))


def test_unknown_report_is_refused(engine: Engine) -> None:
    with pytest.raises(ValueError, match="unknown report"):
        build_report(engine, "nope", QUERY)


@pytest.mark.parametrize(("name", "kind"), [(n, k) for n, kinds in CHARTS.items() for k in kinds])
def test_every_chart_is_a_valid_png_and_svg(engine: Engine, name: str, kind: str) -> None:
    png = chart(engine, name, QUERY, kind=kind, fmt="png")
    assert png.startswith(PNG_MAGIC) and len(png) > 10_000
    svg = chart(engine, name, QUERY, kind=kind, fmt="svg")
    root = ET.fromstring(svg)
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert chart(engine, name, QUERY, kind=kind, fmt="svg") == svg  # deterministic: no dates, fixed ids


def test_charts_of_an_empty_log_still_render(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{(tmp_path / 'empty.db').as_posix()}")
    upgrade(engine)
    try:
        for name, kinds in CHARTS.items():
            for kind in kinds:
                assert chart(engine, name, QUERY, kind=kind, fmt="png").startswith(PNG_MAGIC)
        assert build_report(engine, "timeliness", QUERY).to_json()["total"]["due"] == 0  # type: ignore[index]
    finally:
        engine.dispose()


def test_chart_arguments_are_checked(engine: Engine) -> None:
    with pytest.raises(ValueError, match="no chart 'stages'"):
        chart(engine, "timeliness", QUERY, kind="stages")
    with pytest.raises(ValueError, match="format"):
        chart(engine, "timeliness", QUERY, fmt="gif")

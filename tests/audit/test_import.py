"""Importing case files (CONTRACT §5): through the one write path, per case all-or-nothing, idempotent."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import structlog
import typer
from sqlalchemy import Engine, func, select
from typer.testing import CliRunner

from api.commands import db as db_command
from api.commands import importing as import_command
from audit.importer import import_files
from audit.migrate import head_revision
from audit.reads import case_events, case_ids, read_head
from audit.schema import events
from audit.store import Actor, append

NOW = datetime(2026, 7, 10, 15, 0, tzinfo=UTC)


def case_file(case_id: str, *events_: dict[str, Any], **extra: Any) -> dict[str, Any]:
    case = {"id": case_id, "loan_id": f"L-{case_id}", "borrower_ref": f"B-{case_id}", "property_state": "NY"}
    return {"case": case, "events": list(events_), **extra}


def missed(due: str) -> dict[str, Any]:
    return {"type": "payment_missed", "occurred_at": due, "data": {"due_date": due}}


def received(on: str, **extra: Any) -> dict[str, Any]:
    return {"type": "application_received", "occurred_at": on, "data": {"application_id": "A1"}, **extra}


def write_jsonl(path: Path, *cases: dict[str, Any]) -> Path:
    path.write_text("".join(json.dumps(c) + "\n" for c in cases), encoding="utf-8")
    return path


def count(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(events)).scalar_one())


class TestImportContract:
    def test_importing_the_same_file_twice_adds_nothing(self, store_engine: Engine, tmp_path: Path) -> None:
        path = write_jsonl(tmp_path / "portfolio.jsonl", case_file("C-1", missed("2026-01-01")), case_file("C-2"))
        first = import_files(store_engine, [path], now=NOW)
        head = read_head(store_engine)
        again = import_files(store_engine, [path], now=NOW)
        assert [o.status for o in first] == ["imported", "imported"]
        assert [o.status for o in again] == ["unchanged", "unchanged"]
        assert read_head(store_engine) == head and count(store_engine) == 3

    def test_a_case_with_an_invalid_event_imports_nothing_and_says_where(
        self, store_engine: Engine, tmp_path: Path
    ) -> None:
        bad = case_file("C-bad", missed("2026-01-01"), {"type": "payment_missed", "occurred_at": "2026-02-01",
                                                        "data": {}})
        path = write_jsonl(tmp_path / "mixed.jsonl", bad, case_file("C-ok", received("2026-07-02")))
        outcomes = import_files(store_engine, [path], now=NOW)
        statuses = [(o.source, o.status) for o in outcomes]
        assert statuses == [("mixed.jsonl:1", "rejected"), ("mixed.jsonl:2", "imported")]
        assert outcomes[0].errors == ("events[1].data.due_date: Field required",)
        assert case_events(store_engine, "C-bad") == [] and case_ids(store_engine) == ["C-ok"]

    def test_errors_in_the_case_object_are_named_as_in_the_file(self, store_engine: Engine, tmp_path: Path) -> None:
        broken = case_file("C-1")
        broken["case"] |= {"property_state": "ZZ", "shoe_size": 9}
        path = tmp_path / "one.json"
        path.write_text(json.dumps(broken), encoding="utf-8")
        (outcome,) = import_files(store_engine, [path], now=NOW)
        assert [e.split(":")[0] for e in outcome.errors] == ["case.property_state", "case.shoe_size"]

    def test_the_case_opens_on_its_earliest_event(self, store_engine: Engine, tmp_path: Path) -> None:
        path = write_jsonl(tmp_path / "a.jsonl", case_file("C-1", received("2026-07-02"), missed("2026-01-01")),
                           case_file("C-2", as_of="2026-05-01"), case_file("C-3"))
        import_files(store_engine, [path], now=NOW)
        opened = [case_events(store_engine, c)[0] for c in ("C-1", "C-2", "C-3")]
        assert [e.occurred_at for e in opened] == ["2026-01-01", "2026-05-01", "2026-07-10"]
        assert {e.actor_id for e in opened} == {"import:a.jsonl"} and opened[0].actor_role == "admin"

    def test_a_correction_names_an_event_of_the_same_file(self, store_engine: Engine, tmp_path: Path) -> None:
        correction = {"type": "entry_voided", "occurred_at": "2026-07-03", "data": {"voids": "e-1", "reason": "dup"}}
        path = write_jsonl(tmp_path / "c.jsonl", case_file("C-1", received("2026-07-02", id="e-1"), correction))
        (outcome,) = import_files(store_engine, [path], now=NOW)
        assert (outcome.status, outcome.events) == ("imported", 3)

    def test_a_case_already_in_the_log_is_not_boarded_again(self, store_engine: Engine, tmp_path: Path) -> None:
        path = write_jsonl(tmp_path / "v1.jsonl", case_file("C-1"))
        import_files(store_engine, [path], now=NOW)
        changed = write_jsonl(tmp_path / "v2.jsonl", case_file("C-1", missed("2026-01-01")))
        (outcome,) = import_files(store_engine, [changed], now=NOW)
        assert outcome.status == "rejected" and "already exists in the log (version 1)" in outcome.errors[0]

    def test_unreadable_lines_are_reported_and_the_rest_imports(self, store_engine: Engine, tmp_path: Path) -> None:
        path = tmp_path / "x.jsonl"
        path.write_text('{"case": \n' + json.dumps(case_file("C-1")) + "\n[1]\n", encoding="utf-8")
        outcomes = import_files(store_engine, [path], now=NOW)
        assert [(o.source, o.status) for o in outcomes] == [
            ("x.jsonl:1", "rejected"), ("x.jsonl:2", "imported"), ("x.jsonl:3", "rejected")]
        assert outcomes[2].errors == ("a case file must be a JSON object",)

    def test_the_shape_of_a_case_file_is_checked(self, store_engine: Engine, tmp_path: Path) -> None:
        path = write_jsonl(tmp_path / "s.jsonl", {"events": []}, {**case_file("C-1"), "as_of": "soon", "x": 1})
        outcomes = import_files(store_engine, [path], now=NOW)
        assert outcomes[0].errors == ("case: required, an object of case_opened fields with the case id",)
        assert outcomes[1].errors == ("x: unknown field", "as_of: must be a date (YYYY-MM-DD)")
        assert count(store_engine) == 0

    def test_import_goes_through_the_store_checks(self, store_engine: Engine, tmp_path: Path) -> None:
        append(store_engine, "C-0", [{"type": "case_opened", "occurred_at": "2026-07-01",
                                      "data": {"loan_id": "L", "borrower_ref": "B", "property_state": "NY"}},
                                     received("2026-07-02", id="taken")],
               expected_version=0, actor=Actor("u", "specialist"), now=NOW)
        path = write_jsonl(tmp_path / "t.jsonl", case_file("C-1", received("2026-07-03", id="taken")))
        (outcome,) = import_files(store_engine, [path], now=NOW)
        assert outcome.errors == ("events[0].id: 'taken' is already used by another event",)


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[typer.Typer]:
    """The db and import commands on a SQLite file in tmp_path, away from any .env of the repository."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("COMPLIANCE_DATABASE_URL", f"sqlite:///{(tmp_path / 'var' / 'log.db').as_posix()}")
    app = typer.Typer()
    db_command.register(app)
    import_command.register(app)
    root, handlers = logging.getLogger(), list(logging.getLogger().handlers)
    yield app
    # The commands configured logging onto the runner's stderr, closed by now: undo it.
    structlog.reset_defaults()
    root.handlers[:] = handlers


def test_cli_import_exits_non_zero_when_a_case_is_rejected(cli: typer.Typer, tmp_path: Path) -> None:
    good = write_jsonl(tmp_path / "good.jsonl", case_file("C-1", missed("2026-01-01")))
    bad = write_jsonl(tmp_path / "bad.jsonl", case_file("C-2", {"type": "payment_missed", "occurred_at": "2026-01-01"}))
    runner = CliRunner()
    first = runner.invoke(cli, ["import", str(good), str(bad)])
    assert first.exit_code == 1
    assert "good.jsonl:1 case C-1: imported (2 events)" in first.output
    assert "bad.jsonl:1 case C-2: rejected, nothing imported: events[0].data.due_date: Field required" in first.output
    again = runner.invoke(cli, ["import", str(good)])
    assert again.exit_code == 0 and "good.jsonl:1 case C-1: unchanged (2 events)" in again.output


def test_cli_db_upgrade_then_current(cli: typer.Typer) -> None:
    runner = CliRunner()
    assert runner.invoke(cli, ["db", "current"]).exit_code == 1  # an empty database is behind
    upgraded = runner.invoke(cli, ["db", "upgrade"])
    assert upgraded.exit_code == 0 and f"database at revision {head_revision()} (was empty)" in upgraded.output
    current = runner.invoke(cli, ["db", "current"])
    assert current.exit_code == 0 and "up to date" in current.output

"""The portfolio's page formatting (audit.export.event_pages, ChunkedProver.proof_lines) writes exactly the bytes
of the per-event path it replaces, for ordinary rows and for every value that path treats specially."""

from __future__ import annotations

import csv
import enum
import io
import json
from collections.abc import Mapping, Sequence
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, event

from audit.canonical import canonical_json
from audit.checkpoints import create_checkpoint
from audit.export import portfolio_scope
from audit.export.case_record import legal_day
from audit.export.csv_columns import EVENT_COLUMNS, cell, csv_lines, csv_row, event_row
from audit.export.event_lines import dumps_line, event_line, full_line
from audit.export.event_pages import (
    CASE,
    HASH,
    PAGE_COLUMNS,
    POSITION,
    csv_page,
    jsonl_page,
    per_event,
    redacted_page,
    verbatim,
)
from audit.export.portfolio_scope import CaseZones, PortfolioScope, case_zones, scoped_cases, scoped_event_rows
from audit.export.proofs import ChunkedProver
from audit.export.redaction import Redactor
from audit.reads import DEFAULT_ZONE
from audit.signing import load_or_create_key
from audit.store import append
from tests.audit.test_export_cases import NOW, SPECIALIST

HEX = "0123456789abcdef" * 4


class StrEnumLike(enum.StrEnum):
    """A str subclass, as pydantic enums are: its cell is str(value)."""

    A = "a"


ZONES = {"C-NY": "America/New_York", "C-LA": "America/Los_Angeles", "C,\"odd\"": "Pacific/Kiritimati"}


def row(data: Any, **fields: Any) -> tuple[Any, ...]:
    """A page row (PAGE_COLUMNS order) whose data column holds the canonical JSON of `data`, as stored."""
    values = {"position": 7, "id": "0b7e8a52-5a43-4c1c-9d5e-7d8f1b8a6c01", "case_id": "C-NY", "version": 3,
              "type": "note_added", "schema_version": 1, "occurred_at": "2026-03-08", "recorded_at":
              "2026-03-09T04:30:00.000001Z", "actor_id": "s-17", "actor_role": "specialist",
              "data": canonical_json(data), "idempotency_key": None, "salt": HEX[:32], "prev_hash": HEX,
              "hash": HEX[::-1], **fields}
    return tuple(values[name] for name in PAGE_COLUMNS)


def jsonl_reference(rows: Sequence[Sequence[Any]]) -> bytes:
    """What the portfolio wrote before: one StoredEvent and dict per event, json.dumps of each line."""
    return b"".join(dumps_line(full_line(per_event(r))) for r in rows)


def csv_reference(rows: Sequence[Sequence[Any]], zones: Mapping[str, str] = ZONES) -> bytes:
    """events.csv rows as the portfolio wrote them before: event_row of each line, csv.writer."""
    cells = []
    for r in rows:
        line = full_line(per_event(r))
        day, late = legal_day(line, zones.get(line["case_id"], DEFAULT_ZONE))
        cells.append(event_row(line, legal_date=day, late=late))
    return b"".join(csv_lines(EVENT_COLUMNS, cells, header=False))


SPECIAL_DATA = [
    {}, {"text": "plain"}, {"x": 1e-7}, {"x": 0.1, "y": [1.5, -2.25e30]}, {"x": 1.0}, {"n": -5, "z": 0},
    {"ключ": "значение"}, {"\U0001f600": 1, "\ue000": 2}, {"t": "a\u0000b\n\"q\",x\r\t\u2028\x7f"},
    {"s": "12.5e3", "list": [1, "a:1.5"]}, {"nested": {"b": [True, False, None], "a": {"c": "é"}}},
    {"text": "=1+1"}, {"text": "-"},
]
SPECIAL_FIELDS = [
    {}, {"case_id": "C-LA"}, {"case_id": "C,\"odd\""}, {"case_id": "=HYPERLINK()"}, {"case_id": "new\nline"},
    {"case_id": "C-unknown"}, {"actor_id": "@me"}, {"actor_id": "tab\tin"}, {"actor_id": "\tlead"},
    {"idempotency_key": "k,1"}, {"idempotency_key": "+k"}, {"idempotency_key": ""}, {"idempotency_key": "k"},
    {"occurred_at": "2026-03-08T01:30:00-05:00"}, {"occurred_at": "2026-03-09T03:00:00+00:00"},
    {"occurred_at": "2026-02-30"}, {"occurred_at": "1999-12-31"}, {"occurred_at": "not a time"},
    {"occurred_at": "1999-12-31T23:30:00-05:00"}, {"occurred_at": "2046-01-01T00:30:00+14:00"},
    {"occurred_at": "2026-03-08T10:00:00"}, {"occurred_at": "2026-03-09T04:59:59.999999Z"},
    {"occurred_at": "2026-03-09T05:00:00+00:00", "recorded_at": "2026-03-09T04:59:59.999999Z"},
    {"recorded_at": "2026-03-08T23:59:59.999999Z"}, {"position": 1, "version": 1}, {"id": "id\"with\\quote"},
]


def test_every_special_value_is_written_as_the_per_event_path_writes_it() -> None:
    # Alone with a plain row (the page check must notice it), and all in one page (each row escaped on its own).
    rows = [row(data, **fields) for data in SPECIAL_DATA for fields in SPECIAL_FIELDS]
    for page in [[row({"text": "plain"}), special] for special in rows] + [rows]:
        assert jsonl_page(page) == jsonl_reference(page)
        assert csv_page(page, ZONES) == csv_reference(page)


def test_the_fast_path_copies_only_data_that_reads_back_as_itself() -> None:
    for data in SPECIAL_DATA:
        text = canonical_json(data)
        if verbatim(text):
            assert json.dumps(json.loads(text), sort_keys=True, ensure_ascii=False, separators=(",", ":")) == text
    assert not verbatim(canonical_json({"x": 1e-7})) and not verbatim(canonical_json({"\U0001f600": 1}))
    assert verbatim(canonical_json({"text": "plain", "n": 12})) and verbatim(canonical_json({"ключ": "v"}))


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53) + 1, 2**53 - 1) | st.text()
    # Past 2**53 an integral float reads back as an integer that canonical JSON refuses: the per-event CSV cell
    # raises on it, where the page path copies the stored text (no such value in the reference to compare).
    | st.floats(min_value=-(2.0**53), max_value=2.0**53, exclude_min=True, exclude_max=True),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4),
    max_leaves=12,
)
free_text = st.text(max_size=12)


@settings(max_examples=300, deadline=None)
@given(data=st.dictionaries(st.text(max_size=6), json_values, max_size=5), case_id=free_text, actor_id=free_text,
       key=st.none() | free_text, occurred=st.sampled_from(["2026-03-08", "2026-03-08T23:30:00-08:00", "2026-13-01"]))
def test_any_row_is_written_as_the_per_event_path_writes_it(
    data: dict[str, Any], case_id: str, actor_id: str, key: str | None, occurred: str
) -> None:
    try:
        rows = [row(data, case_id=case_id, actor_id=actor_id, idempotency_key=key, occurred_at=occurred)]
    except ValueError:  # not canonical JSON (e.g. an integral float past 2**53): the log refuses to store it
        assume(False)
    assert jsonl_page(rows) == jsonl_reference(rows)
    assert csv_page(rows, ZONES) == csv_reference(rows)


def test_a_redacted_page_is_the_per_event_path() -> None:
    rows = [row({"text": "secret note"}, type="note_added"), row({"text": "x"}, case_id="C-LA", position=8)]
    lines, cells = redacted_page(rows, ZONES, Redactor.fresh(b"k" * 32))
    expected = [event_line(per_event(r), Redactor.fresh(b"k" * 32)) for r in rows]
    assert lines == b"".join(dumps_line(line) for line in expected)
    assert b"secret note" not in lines + cells and cells.count(b"\r\n") == 2


def _interleaved_cases(engine: Engine) -> None:
    """Cases Z-0..Z-2 (zones Chicago, none, Denver), six events each, appended in turns (positions interleave)."""
    for number, zone in enumerate(("America/Chicago", None, "America/Denver")):
        opened = {"loan_id": f"L{number}", "borrower_ref": "B", "property_state": "NY"}
        append(engine, f"Z-{number}", [{"type": "case_opened", "occurred_at": "2026-01-02",
                                        "data": {**opened, **({"timezone": zone} if zone else {})}}],
               expected_version=0, actor=SPECIALIST, now=NOW)
    for turn in range(5):
        for number in range(3):
            append(engine, f"Z-{number}", [{"type": "note_added", "occurred_at": "2026-01-03",
                                            "data": {"text": f"n{turn}"}}], expected_version=None, actor=SPECIALIST,
                   now=NOW)


def test_streamed_pages_zones_cases_and_proofs_on_every_backend(
    store_engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(portfolio_scope, "PAGE", 4)
    _interleaved_cases(store_engine)
    checkpoint = create_checkpoint(store_engine, load_or_create_key(tmp_path / "key.pem"), now=NOW)
    scope = PortfolioScope(cases=("Z-0", "Z-1"))
    with store_engine.connect() as conn:
        prover = ChunkedProver(conn, checkpoint, chunk=4)
        pages, zones, proofs, book = [], {}, b"", CaseZones(conn)
        for page in scoped_event_rows(conn, scope, upto=checkpoint.tree_size):  # queries in between, as exports do
            zones = book.page(page)
            proofs += prover.proof_lines((row[POSITION], row[HASH]) for row in page)
            pages.append(page)
        rows = [row for page in pages for row in page]
        assert [len(page) for page in pages] == [4, 4, 4] and {row[CASE] for row in rows} == {"Z-0", "Z-1"}
        assert [row[POSITION] for row in rows] == sorted(row[POSITION] for row in rows)
        assert zones == {"Z-0": "America/Chicago", "Z-1": DEFAULT_ZONE}
        assert proofs == b"".join(dumps_line(prover.proof(row[POSITION], row[HASH]).to_json()) for row in rows)
        assert case_zones(conn, iter(["Z-2", "Z-0", "Z-2"]), known={"Z-0": "Somewhere/Else"}) == {
            "Z-0": "Somewhere/Else", "Z-2": "America/Denver"}
        cases = [(case_id, [event.version for event in stored])
                 for case_id, stored in scoped_cases(conn, scope, upto=checkpoint.tree_size)]
        assert cases == [("Z-0", [1, 2, 3, 4, 5, 6]), ("Z-1", [1, 2, 3, 4, 5, 6])]
        assert [case_id for case_id, _ in scoped_cases(conn, None, upto=checkpoint.tree_size - 1)] == [
            "Z-0", "Z-1", "Z-2"]


def test_case_zones_are_read_off_the_stream_and_looked_up_once_forgotten(
    store_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    _interleaved_cases(store_engine)
    zones = {"Z-0": "America/Chicago", "Z-1": DEFAULT_ZONE, "Z-2": "America/Denver"}
    with store_engine.connect() as conn:
        rows = [row for page in scoped_event_rows(conn, PortfolioScope(cases=tuple(zones)), upto=18) for row in page]
        statements: list[str] = []
        event.listen(conn, "before_cursor_execute", lambda *args: statements.append(args[2]))
        book = CaseZones(conn)
        assert book.page(rows[:3]) == zones and book.page(rows[3:]) == zones  # the case_opened rows come first
        assert statements == []
        monkeypatch.setattr(portfolio_scope, "ZONES_KEPT", 1)
        assert book.page(rows[-2:]) == {"Z-1": DEFAULT_ZONE, "Z-2": "America/Denver"}  # forgotten: read back
        assert len(statements) == 1


@settings(max_examples=400, deadline=None)
@given(cells=st.lists(st.text(max_size=8) | st.sampled_from(["", ",", '"', "\r\n", "a b", "é"]), min_size=1,
                      max_size=6))
def test_a_csv_row_is_what_csv_writer_writes(cells: list[str]) -> None:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerow(cells)
    assert csv_row(cells) == buffer.getvalue()


@pytest.mark.parametrize("value", [None, True, False, 0, -3, 12, "", "text", "=1+1", "-x", "\tx", StrEnumLike.A,
                                   {"b": 1, "a": [1.5]}, [1, "x"], ("t",), 2.5, date(2026, 1, 2)])
def test_a_cell_is_what_it_always_was(value: Any) -> None:
    if value is None:
        text = ""
    elif isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, Mapping | list | tuple) and not isinstance(value, str):
        text = canonical_json(value)
    else:
        text = str(value)
    assert cell(value) == ("'" + text if text.startswith(("=", "+", "-", "@", "\t", "\r")) else text)


# Zones whose offsets are not whole hours (one with a half-hour daylight saving change), and zones (US ones among
# them) on and around their changes of offset, some at midnight: a page's legal dates must be each event's own.
LEGAL_ZONES = ["America/New_York", "America/Chicago", "America/Denver", "America/Phoenix", "America/Los_Angeles",
               "America/Anchorage", "Pacific/Honolulu", "America/Puerto_Rico", "Asia/Kolkata", "America/St_Johns",
               "Australia/Lord_Howe", "Pacific/Chatham", "Pacific/Kiritimati", "UTC", "Asia/Beirut", "America/Santiago",
               "America/Havana"]  # the last three change their offset at midnight
LEGAL_DAYS = ["2026-03-08", "2026-11-01", "2026-04-05", "2026-10-04", "2026-10-25", "2026-07-01", "2045-12-31"]
OFFSETS = ["Z", "+00:00", "-05:00", "-04:00", "-08:00", "-03:30", "+05:30", "+13:45", "-10:00"]


@settings(max_examples=200, deadline=None)
@given(texts=st.lists(st.tuples(
    st.sampled_from([*LEGAL_DAYS, "1999-12-31", "2046-01-01", "2026-02-30", "not a time", "2026-03-08T10:00",
                     "2026-03-08 10:00:00-05:00", "2026-03-08T24:00:00Z", "2026-03-08T10:00:00"])
    | st.builds("{}T{:02d}:{:02d}:{:02d}{}".format, st.sampled_from(LEGAL_DAYS), st.integers(0, 23),
                st.integers(0, 59), st.integers(0, 59), st.sampled_from(OFFSETS)),
    st.builds("{}T{:02d}:{}".format, st.sampled_from(LEGAL_DAYS), st.integers(0, 23),
              st.sampled_from(["00:00.000000Z", "59:59.999999Z", "30:00Z", "30:00+00:00"])),
    st.sampled_from(LEGAL_ZONES)), min_size=1, max_size=6))
def test_a_page_of_any_dates_is_written_as_the_per_event_path_writes_it(texts: list[tuple[str, str, str]]) -> None:
    page = [row({"text": "x"}, occurred_at=occurred, recorded_at=recorded, case_id=f"Z-{zone}")
            for occurred, recorded, zone in texts]
    zones = {f"Z-{zone}": zone for _, _, zone in texts}
    assert csv_page(page, zones) == csv_reference(page, zones)

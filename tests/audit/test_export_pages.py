"""The portfolio's page formatting (audit.export.event_pages, ChunkedProver.proof_lines) writes exactly the bytes
of the per-event path it replaces, for ordinary rows and for every value that path treats specially."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from audit.canonical import canonical_json
from audit.checkpoints import create_checkpoint
from audit.database import make_engine
from audit.export.case_record import legal_day
from audit.export.csv_columns import EVENT_COLUMNS, csv_lines, event_row
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
from audit.export.portfolio_scope import PortfolioScope, case_zones, scoped_event_rows
from audit.export.proofs import ChunkedProver
from audit.export.redaction import Redactor
from audit.migrate import upgrade
from audit.reads import DEFAULT_ZONE
from audit.signing import load_or_create_key
from audit.store import append
from tests.audit.test_export_cases import NOW, SPECIALIST

HEX = "0123456789abcdef" * 4
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


def csv_reference(rows: Sequence[Sequence[Any]]) -> bytes:
    """events.csv rows as the portfolio wrote them before: event_row of each line, csv.writer."""
    cells = []
    for r in rows:
        line = full_line(per_event(r))
        day, late = legal_day(line, ZONES.get(line["case_id"], DEFAULT_ZONE))
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


def test_streamed_rows_zones_and_proof_lines_match_the_stored_log(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{(tmp_path / 'log.db').as_posix()}")
    upgrade(engine)
    for number, zone in enumerate(("America/Chicago", None, "America/Denver")):
        opened = {"loan_id": f"L{number}", "borrower_ref": "B", "property_state": "NY", **({"timezone": zone} if zone
                                                                                             else {})}
        append(engine, f"Z-{number}", [{"type": "case_opened", "occurred_at": "2026-01-02", "data": opened}]
               + [{"type": "note_added", "occurred_at": "2026-01-03", "data": {"text": f"n{i}"}} for i in range(6)],
               expected_version=0, actor=SPECIALIST, now=NOW)
    checkpoint = create_checkpoint(engine, load_or_create_key(tmp_path / "key.pem"), now=NOW)
    with engine.connect() as conn:
        scope = PortfolioScope(cases=("Z-0", "Z-1"))
        pages = list(scoped_event_rows(conn, scope, upto=checkpoint.tree_size, page=5))
        rows = [r for page in pages for r in page]
        assert [len(p) for p in pages] == [5, 5, 4] and [r[POSITION] for r in rows] == sorted(r[POSITION] for r in rows)
        assert {r[CASE] for r in rows} == {"Z-0", "Z-1"}
        zones = case_zones(conn, iter(["Z-0", "Z-1", "Z-2", "Z-0"]), known={"Z-2": "Somewhere/Else"})
        assert zones == {"Z-0": "America/Chicago", "Z-1": DEFAULT_ZONE, "Z-2": "Somewhere/Else"}
        prover = ChunkedProver(conn, checkpoint, chunk=4)
        expected = b"".join(dumps_line(prover.proof(r[POSITION], r[HASH]).to_json()) for r in rows)
        assert prover.proof_lines((r[POSITION], r[HASH]) for r in rows) == expected
    engine.dispose()


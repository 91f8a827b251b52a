"""The data of bench.api: databases of its own, tokens, opened cases, and a large valid log loaded in bulk.

The large log is a real hash chain: a template case is recorded through audit.store.append (so every
payload is in the form the store writes), and the bulk rows repeat its payloads for other cases. Rows are
hashed from a pre-rendered canonical text (byte-identical to audit.canonical.event_hash, checked on every
row of the first cases); case_opened rows, whose payload varies per case, go through event_hash itself.
Every case has EVENTS_PER_CASE events, interleaved through the whole log (a case's trail is spread over
it, as real cases are), all recorded at one instant.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from api.alert_jobs import projecting_policy
from api.settings import Settings
from audit.append_sql import EVENT_COLUMNS
from audit.canonical import (
    COMMIT_KEY,
    canonical_json,
    commitment,
    event_hash,
    field_salt,
    hashable_envelope,
    sensitive_pointers,
)
from audit.database import make_engine
from audit.migrate import upgrade
from audit.reads import StoredEvent, case_events, recorded_at_text
from audit.schema import GENESIS_HASH
from audit.store import Actor, append
from audit.tokens import TokenRequest, issue_token

TEAM = "east"
WRITER = Actor("bench-specialist", "specialist")
EVENTS_PER_CASE = 50
CHUNK = 20_000
_SENTINEL = "@@bench:{}@@"
_VARYING = ("position", "id", "case_id", "version", "occurred_at")
_NUMBERS = frozenset({"position", "version"})


def contact(occurred_at: str) -> dict[str, Any]:
    """A contact_logged event (a dialer's call attempt: the most frequent event in servicing)."""
    return {"type": "contact_logged", "occurred_at": occurred_at,
            "data": {"channel": "phone", "direction": "outbound", "outcome": "left_message", "party": "borrower",
                     "staff_id": "S-17"}}


def opening(case_id: str, opened_on: str) -> list[dict[str, Any]]:
    """case_opened and case_assigned (to the bench's team) of one case."""
    return [{"type": "case_opened", "occurred_at": opened_on,
             "data": {"loan_id": f"L-{case_id}", "borrower_ref": f"B-{case_id}", "property_state": "NY"}},
            {"type": "case_assigned", "occurred_at": opened_on,
             "data": {"team": TEAM, "staff_id": "S-17", "manager_id": "M-3"}}]


def service_settings(url: str, folder: Path) -> Settings:
    """The settings the bench's servers run with (also passed to them as COMPLIANCE_* variables)."""
    return Settings(_env_file=None, database_url=url, data_dir=folder, log_format="json",  # type: ignore[call-arg]
                    log_level="WARNING", scheduler_enabled=False, rate_limit_per_second=0.0)


def issue(url: str, name: str, role: str, *, now: datetime) -> str:
    """A migrated database and one token in it: its secret (specialists and managers are of the bench's team)."""
    engine = make_engine(url)
    try:
        upgrade(engine)
        team = TEAM if role in ("specialist", "manager") else None
        return issue_token(engine, TokenRequest(name=name, role=role, team=team), now=now)[0]
    finally:
        engine.dispose()


def open_cases(url: str, folder: Path, *, cases: int, prefix: str, now: datetime) -> None:
    """Open and assign `cases` cases (`prefix` + number) through the store, projections included, one commit."""
    engine = make_engine(url)
    policy = projecting_policy(service_settings(url, folder))
    opened_on = (now - timedelta(days=30)).date().isoformat()
    try:
        with engine.begin() as conn:
            for number in range(cases):
                case_id = f"{prefix}{number}"
                append(conn, case_id, opening(case_id, opened_on), expected_version=0, actor=WRITER, now=now,
                       policy=policy)
    finally:
        engine.dispose()


@dataclass(frozen=True)
class LogPlan:
    """The bulk log: `cases` cases named `prefix` + number, EVENTS_PER_CASE events each."""

    cases: int
    prefix: str
    recorded_at: datetime

    @property
    def events(self) -> int:
        """Events in the whole log."""
        return self.cases * EVENTS_PER_CASE


def template_case(plan: LogPlan, folder: Path) -> list[StoredEvent]:
    """One case recorded through audit.store.append in a scratch database: the stored form of every payload."""
    url = f"sqlite:///{(folder / 'template.db').as_posix()}"
    engine = make_engine(url)
    upgrade(engine)
    opened_on = (plan.recorded_at - timedelta(days=EVENTS_PER_CASE + 10)).date()
    proposed = opening("T", opened_on.isoformat())
    proposed += [contact(f"{opened_on + timedelta(days=n)}T10:15:00-05:00") for n in range(1, EVENTS_PER_CASE - 1)]
    try:
        append(engine, "T", proposed, expected_version=0, actor=WRITER, now=plan.recorded_at)
        return case_events(engine, "T")
    finally:
        engine.dispose()


class FastHash:
    """event_hash of the template's event with a new position, id, case_id, version and salt: pre-rendered text.

    The salted commitments of its sensitive fields (audit.canonical) are recomputed for each salt.
    """

    def __init__(self, template: StoredEvent) -> None:
        hashable = hashable_envelope(template.envelope())
        hashable.update({name: _SENTINEL.format(name) for name in _VARYING})
        self.type = template.type
        self.sensitive = list(sensitive_pointers(template.type, template.data))
        for path, pointer in self.sensitive:
            _place(hashable["data"], path, {COMMIT_KEY: _SENTINEL.format(pointer)})
        text = canonical_json(hashable)
        # Canonical JSON sorts the keys: the varying parts appear in the text in that order.
        names = [*_VARYING, *(pointer for _, pointer in self.sensitive)]
        self.order = sorted(names, key=lambda name: text.index(_SENTINEL.format(name)))
        self.parts: list[str] = []
        for name in self.order:
            before, text = text.split(f'"{_SENTINEL.format(name)}"')
            self.parts.append(before)
        self.parts.append(text)

    def __call__(self, prev: str, values: dict[str, Any]) -> str:
        """The chain hash of the template's event with these values."""
        commitments = {}
        for path, pointer in self.sensitive:
            value: Any = values["data"]
            for part in path:
                value = value[part]
            commitments[pointer] = commitment(field_salt(values["salt"], pointer), self.type, pointer, value)
        pieces = [self.parts[0]]
        for name, part in zip(self.order, self.parts[1:], strict=True):
            given = commitments[name] if name in commitments else values[name]
            pieces.append(str(given) if name in _NUMBERS else f'"{given}"')
            pieces.append(part)
        return hashlib.sha256((prev + "".join(pieces)).encode("utf-8")).hexdigest()


def _place(data: dict[str, Any], path: tuple[str, ...], value: Any) -> None:
    for part in path[:-1]:
        data = data[part]
    data[path[-1]] = value


def bulk_rows(plan: LogPlan, template: Sequence[StoredEvent]) -> Iterator[tuple[Any, ...]]:
    """Every row of the log in position order, each chained onto the one before."""
    # case_opened varies its payload per case: hashed by event_hash itself.
    hashers = [None if e.type == "case_opened" else FastHash(e) for e in template]
    data_text = [canonical_json(e.data) for e in template]
    envelopes = [{**e.envelope(), "recorded_at": recorded_at_text(plan.recorded_at)} for e in template]
    prev, position = GENESIS_HASH, 0
    for index, event in enumerate(template):  # round by round: each case's trail spreads over the log
        randomness = os.urandom(32 * plan.cases).hex()  # an id and a salt per row, one call per round
        for number in range(plan.cases):
            position += 1
            case_id = f"{plan.prefix}{number}"
            random = randomness[64 * number : 64 * (number + 1)]
            event_id = f"{random[:8]}-{random[8:12]}-4{random[13:16]}-a{random[17:20]}-{random[20:32]}"
            values = {**envelopes[index], "position": position, "id": event_id, "case_id": case_id,
                      "salt": random[32:]}
            if event.type == "case_opened":
                values["data"] = {**event.data, "loan_id": f"L-{case_id}", "borrower_ref": f"B-{case_id}"}
            digest = _digest(hashers[index], prev, values, check=number < 3)
            data = canonical_json(values["data"]) if event.type == "case_opened" else data_text[index]
            yield (*(values[c] for c in EVENT_COLUMNS[:10]), data, None, values["salt"], prev, digest)
            prev = digest


def _digest(fast: FastHash | None, prev: str, values: dict[str, Any], *, check: bool) -> str:
    if fast is None:
        return event_hash(prev, values)
    digest = fast(prev, values)
    if check and digest != event_hash(prev, values):
        raise AssertionError("the pre-rendered canonical text differs from audit.canonical: fix FastHash")
    return digest


def load_sqlite(path: Path, plan: LogPlan, template: Sequence[StoredEvent]) -> None:
    """Insert the bulk log into a migrated SQLite file and move its head.

    Setup, not measured: no journal and no fsync while loading, and the plain (non-unique) indexes dropped
    and rebuilt afterwards from their own DDL; the file goes back to WAL at the end.
    """
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        for pragma in ("journal_mode = OFF", "synchronous = OFF", "cache_size = -1000000"):
            conn.execute(f"PRAGMA {pragma}")
        indexes = conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'events' "
                               "AND sql IS NOT NULL").fetchall()
        conn.execute("BEGIN")
        for name, _sql in indexes:
            conn.execute(f'DROP INDEX "{name}"')
        last = _insert_all(conn, bulk_rows(plan, template))
        conn.execute("UPDATE log_head SET position = ?, hash = ?, recorded_at = ? WHERE id = 1",
                     (last[0], last[-1], last[7]))
        for _name, sql in indexes:
            conn.execute(sql)
        conn.execute("COMMIT")
        conn.execute("ANALYZE")
        conn.execute("PRAGMA journal_mode = WAL")
    finally:
        conn.close()


def _insert_all(conn: sqlite3.Connection, rows: Iterator[tuple[Any, ...]]) -> tuple[Any, ...]:
    """executemany in chunks; the last row inserted."""
    insert = f"INSERT INTO events ({', '.join(EVENT_COLUMNS)}) VALUES ({', '.join('?' * len(EVENT_COLUMNS))})"  # noqa: S608
    chunk: list[tuple[Any, ...]] = []
    last: tuple[Any, ...] = ()
    for row in rows:
        chunk.append(row)
        if len(chunk) == CHUNK:
            conn.executemany(insert, chunk)
            last, chunk = chunk[-1], []
    if chunk:
        conn.executemany(insert, chunk)
        last = chunk[-1]
    return last


def copy_to_postgres(source: Path, url: str) -> None:
    """Copy the bulk log of a loaded SQLite file into a migrated PostgreSQL database (COPY), then ANALYZE."""
    import psycopg

    columns = ", ".join(EVENT_COLUMNS)
    reader = sqlite3.connect(source)
    try:
        with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://")) as conn:
            with conn.cursor() as cursor, cursor.copy(f"COPY events ({columns}) FROM STDIN") as copy:
                for row in reader.execute(f"SELECT {columns} FROM events ORDER BY position"):  # noqa: S608
                    copy.write_row(row)
            head = reader.execute("SELECT position, hash, recorded_at FROM log_head WHERE id = 1").fetchone()
            conn.execute("UPDATE log_head SET position = %s, hash = %s, recorded_at = %s WHERE id = 1", head)
            conn.commit()
            conn.autocommit = True
            conn.execute("ANALYZE")
    finally:
        reader.close()


def default_recorded_at() -> datetime:
    """The bulk log's recording instant: a day ago (the servers run on the real clock)."""
    return datetime.now(UTC) - timedelta(days=1)

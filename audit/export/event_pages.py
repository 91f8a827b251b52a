"""events.jsonl and events.csv of a page of stored rows, formatted straight from the row tuples.

A portfolio export streams millions of events (issue 6: at least half the sqlite3 shell's own -json / -csv
speed, memory that does not grow with the export). A StoredEvent, two dicts and a CSV row dict per event were
most of that time, so each row's plain values are formatted once into its line instead. Every line is byte for
byte what the per-event path writes for the same row (event_lines.full_line + dumps_line; csv_columns.event_row
+ csv_lines; tests/audit/test_export_pages.py). A page is first checked as a whole, with a few scans of its
joined columns: when no value needs escaping, quoting or an apostrophe, its rows are formatted without looking
at each value; otherwise each row is escaped on its own, and a row the fast path cannot vouch for (and every row
of a redacted export) takes the per-event path.

Why the stored `data` text may be copied as it is: it is the payload's canonical JSON (audit.append_rows
writes it, the log's only writer), and canonical JSON read back and written by json.dumps(sort_keys=True) is
itself again, except for a non-integer number (RFC 8785 and Python write some differently, 1e-7 / 1e-07) and a
key beyond the Basic Multilingual Plane (RFC 8785 sorts by UTF-16 code units, Python by code points).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import datetime
from functools import lru_cache
from itertools import chain, repeat
from json.encoder import encode_basestring as json_string
from typing import Any
from zoneinfo import ZoneInfo

from audit.export.csv_columns import EVENT_COLUMNS, csv_lines, event_row
from audit.export.event_lines import dumps_line, event_line, full_line
from audit.export.redaction import Redactor
from audit.reads import DEFAULT_ZONE, StoredEvent, stored_event
from compliance.envelope import parse_occurred_at
from timelines.span import FIRST_YEAR, LAST_YEAR

# The page query's columns: the sorted keys of an events.jsonl line (the actor's id and role in place of
# "actor"), so that a row reads off in the order its line is written.
PAGE_COLUMNS = ("actor_id", "actor_role", "case_id", "data", "hash", "id", "idempotency_key", "occurred_at",
                "position", "prev_hash", "recorded_at", "salt", "schema_version", "type", "version")
ACTOR, ROLE, CASE, DATA, HASH, ID, KEY, OCCURRED, POSITION, PREV, RECORDED, SALT, SCHEMA, TYPE, VERSION = range(15)
_TEXT_COLUMNS = (ACTOR, ROLE, CASE, ID, OCCURRED, RECORDED, TYPE)
_CSV_TEXT_COLUMNS = (ACTOR, ROLE, CASE, ID, OCCURRED, RECORDED, TYPE)
_HEX_COLUMNS = (HASH, PREV, SALT)  # hex digests as the log writes them: checked apart, with a faster test
_CSV_HEX_COLUMNS = (HASH, PREV)
_INT_COLUMNS = (POSITION, SCHEMA, VERSION)

_JSON_ESCAPED = bytes(range(32)) + b'"\\'  # what json.dumps escapes in a string (ensure_ascii=False)
_CSV_QUOTED = (",", '"', "\r", "\n")  # what csv.writer quotes (QUOTE_MINIMAL, CRLF line ends)
# A non-integer number: canonical JSON writes each with a "." or a signed exponent (RFC 8785 follows
# ECMAScript: 1.5, 1e+21, 1e-7), after ":", "," or "[". Inside a string it is a false alarm that only sends the
# row down the per-event path.
_FRACTION = re.compile(r"[:,\[]-?\d+(?:\.|e[-+])")
# A cell starting with "-" (a formula to a spreadsheet) among NUL-joined cells. A regex, not `"\x00-" in text`:
# "-" is in every date and id, and str's search for a two-character needle is then four times slower.
_DASH_START = re.compile("\x00-")


def verbatim(data: str) -> bool:
    """True when the stored canonical `data` text is exactly what re-serialising its parsed value writes."""
    if _hints_fraction(data) and _FRACTION.search(data):
        return False
    # Every character is in the Basic Multilingual Plane exactly when UTF-16 needs no surrogate pairs.
    return data.isascii() or len(data.encode("utf-16-le")) == 2 * len(data)


def _hints_fraction(text: str) -> bool:
    return "." in text or "e-" in text or ("+" in text and "e+" in text)


def per_event(row: Sequence[Any]) -> StoredEvent:
    """The StoredEvent of a page row (the per-event path's input)."""
    return stored_event(dict(zip(PAGE_COLUMNS, row, strict=True)))


def jsonl_page(rows: Sequence[Sequence[Any]]) -> bytes:
    """events.jsonl lines of a full (unredacted) export: the envelope with its salt, keys sorted."""
    columns = list(zip(*rows, strict=True))
    if not _plain_for_json(columns):
        return "".join(_escaped_jsonl(row) for row in rows).encode("utf-8")
    lines = _plain_jsonl(rows)
    for index in _odd_data(columns[DATA]):
        lines[index] = dumps_line(full_line(per_event(rows[index]))).decode("utf-8")
    return _encoded(lines)


def _encoded(lines: list[str]) -> bytes:
    """The lines in UTF-8, each encoded on its own: one non-ASCII line would make the whole joined page a wide
    string, and encoding that is several times slower than copying the ASCII lines as they are."""
    return b"".join([line.encode("utf-8") for line in lines])


def _plain_jsonl(rows: Sequence[Sequence[Any]]) -> list[str]:
    """Lines of rows with nothing to escape: each value written between quotes as it is."""
    lines = []
    for actor, role, case, data, digest, event_id, key, occurred, position, prev, recorded, salt, schema, kind, \
            version in rows:
        key_json = "null" if key is None else f'"{key}"'
        lines.append(
            f'{{"actor":{{"id":"{actor}","role":"{role}"}},"case_id":"{case}","data":{data},"hash":"{digest}",'
            f'"id":"{event_id}","idempotency_key":{key_json},"occurred_at":"{occurred}","position":{position},'
            f'"prev_hash":"{prev}","recorded_at":"{recorded}","salt":"{salt}","schema_version":{schema},'
            f'"type":"{kind}","version":{version}}}\n'
        )
    return lines


def _escaped_jsonl(row: Sequence[Any]) -> str:
    """One line, each text escaped on its own; the per-event path when `data` or a number is not plain."""
    actor, role, case, data, digest, event_id, key, occurred, position, prev, recorded, salt, schema, kind, \
        version = row
    if not (verbatim(data) and type(position) is type(schema) is type(version) is int):
        return dumps_line(full_line(per_event(row))).decode("utf-8")
    q = json_string
    return (
        f'{{"actor":{{"id":{q(actor)},"role":{q(role)}}},"case_id":{q(case)},"data":{data},"hash":{q(digest)},'
        f'"id":{q(event_id)},"idempotency_key":{"null" if key is None else q(key)},"occurred_at":{q(occurred)},'
        f'"position":{position},"prev_hash":{q(prev)},"recorded_at":{q(recorded)},"salt":{q(salt)},'
        f'"schema_version":{schema},"type":{q(kind)},"version":{version}}}\n'
    )


def _plain_for_json(columns: Sequence[Sequence[Any]]) -> bool:
    """True when no text of the page needs a JSON escape and every number is an int."""
    if not columns or not _whole_numbers(columns):
        return False
    texts = chain(*(columns[n] for n in _TEXT_COLUMNS), _keys(columns))
    hexes = "".join(chain(*(columns[n] for n in _HEX_COLUMNS)))
    if not _alphanumeric(hexes):
        texts = chain(texts, [hexes])
    encoded = "".join(texts).encode("utf-8")
    # A control character is a single byte below 0x20 in UTF-8, never part of another character's bytes.
    return len(encoded.translate(None, _JSON_ESCAPED)) == len(encoded)


def _alphanumeric(text: str) -> bool:
    """True when `text` is ASCII letters and digits only (nothing to escape, quote or prefix), as the joined hex
    digests of a page are: bytes.isalnum runs several times faster than the general tests of a page's texts."""
    return text.isascii() and text.encode("ascii").isalnum()


def _whole_numbers(columns: Sequence[Sequence[Any]]) -> bool:
    """True when position, schema_version and version are ints (not bools) of the page, none negative."""
    return all(set(map(type, columns[n])) == {int} and min(columns[n]) >= 0 for n in _INT_COLUMNS)


def _keys(columns: Sequence[Sequence[Any]]) -> Sequence[str]:
    """The page's idempotency keys that are not null."""
    keys = columns[KEY]
    return () if keys.count(None) == len(keys) else [key for key in keys if key is not None]


def _odd_data(data: Sequence[str]) -> list[int]:
    """The rows whose `data` is not verbatim; looked for row by row only if the whole page gives a hint."""
    joined = "\n".join(data)
    if not joined.isascii():  # each row's own test: only the non-ASCII ones are encoded to look for non-BMP
        return [index for index, text in enumerate(data) if not verbatim(text)]
    if not _hints_fraction(joined):
        return []
    # Every row is in the Basic Multilingual Plane: only a number can keep a row from being verbatim, and a
    # full stop in free text ("Dr.", "3.5%") is common enough that each row is tested for the hint first.
    return [index for index, text in enumerate(data) if _hints_fraction(text) and _FRACTION.search(text)]


def csv_page(rows: Sequence[Sequence[Any]], zones: Mapping[str, str]) -> bytes:
    """events.csv lines (no header) of a full export; `zones` names each case's time zone for legal dates."""
    columns = list(zip(*rows, strict=True))
    if not _plain_for_csv(columns):
        return "".join(_csv_per_event(row, zones) for row in rows).encode("utf-8")
    for name in {zones.get(case, DEFAULT_ZONE) for case in set(columns[CASE])}:
        _zone(name)  # as legal_day does for each row: an unknown zone is an error whatever the date
    lines = _plain_csv(rows, zones)
    for index in _odd_data(columns[DATA]):
        lines[index] = _csv_per_event(rows[index], zones)
    return _encoded(lines)


def _plain_csv(rows: Sequence[Sequence[Any]], zones: Mapping[str, str]) -> list[str]:
    """Lines of rows whose cells need no quoting or apostrophe, but for `data` (quoted if csv.writer would).

    legal_cells, inlined (a call per row is a tenth of the page's time); the zones are known to be valid. The
    recorded day is worked out again only when it can differ from the previous row's: a case's appended events
    share their recorded_at.
    """
    lines, plain_date, local_date, recorded_day, zone_of = [], _plain_date, _local_date, _recorded_day, _zone
    last_recorded, last_zone, recorded_on = "", "", ""
    for actor, role, case, data, digest, event_id, key, occurred, position, prev, recorded, _salt, schema, kind, \
            version in rows:
        zone = zones.get(case, DEFAULT_ZONE)
        day = plain_date(occurred) if len(occurred) == 10 else local_date(occurred, zone_of(zone))
        if day is None:
            late = ""
        else:
            if recorded != last_recorded or zone != last_zone:
                last_recorded, last_zone, recorded_on = recorded, zone, recorded_day(recorded, zone)
            late = "true" if day < recorded_on else "false"
        # Quoted as csv.writer quotes ("{}" is not); the quotes go into the line's own f-string, not a copy.
        if '"' in data:
            mark, data = '"', data.replace('"', '""')
        else:
            mark = '"' if "," in data or "\n" in data or "\r" in data else ""
        lines.append(f'{position},{case},{version},{event_id},{kind},{schema},{occurred},{day or ""},{recorded},'
                     f'{late},{actor},{role},{"" if key is None else key},{mark}{data}{mark},{prev},{digest}\r\n')
    return lines


def _plain_for_csv(columns: Sequence[Sequence[Any]]) -> bool:
    """True when csv.writer and cell() would write the page's cells as they are (`data` aside: an object)."""
    if not columns or not _whole_numbers(columns) or not all(map(str.startswith, columns[DATA], repeat("{"))):
        return False
    texts = chain(*(columns[n] for n in _CSV_TEXT_COLUMNS), _keys(columns))
    if not _alphanumeric("".join(chain(*(columns[n] for n in _CSV_HEX_COLUMNS)))):
        texts = chain(texts, *(columns[n] for n in _CSV_HEX_COLUMNS))
    cells = "\x00" + "\x00".join(texts)
    if any(mark in cells for mark in _CSV_QUOTED):
        return False
    # A cell starting like a formula follows a NUL; the rare starts are looked for one character at a time first.
    return not (any(start in cells and "\x00" + start in cells for start in "=+@\t") or _DASH_START.search(cells))


def _csv_per_event(row: Sequence[Any], zones: Mapping[str, str]) -> str:
    """One events.csv line by the per-event path: csv_columns.event_row of the full line, csv.writer."""
    line = full_line(per_event(row))
    day, late = legal_cells(line["occurred_at"], line["recorded_at"], zones.get(line["case_id"], DEFAULT_ZONE))
    return b"".join(csv_lines(EVENT_COLUMNS, [event_row(line, legal_date=day, late=late)], header=False)).decode()


def redacted_page(
    rows: Sequence[Sequence[Any]], zones: Mapping[str, str], redactor: Redactor
) -> tuple[bytes, bytes]:
    """events.jsonl and events.csv lines of a redacted export (the per-event path: each value is looked at)."""
    lines = [event_line(per_event(row), redactor) for row in rows]
    cells = []
    for line in lines:
        day, late = legal_cells(line["occurred_at"], line["recorded_at"], zones.get(line["case_id"], DEFAULT_ZONE))
        cells.append(event_row(line, legal_date=day, late=late))
    return b"".join(dumps_line(line) for line in lines), b"".join(csv_lines(EVENT_COLUMNS, cells, header=False))


def legal_cells(occurred_at: str, recorded_at: str, zone: str) -> tuple[str | None, bool | None]:
    """case_record.legal_day of these values: (legal date, recorded on a later day?), (None, None) if unreadable."""
    where = _zone(zone)  # first, as legal_day does: an unknown zone is an error whatever the date
    day = _plain_date(occurred_at) if len(occurred_at) == 10 else _local_date(occurred_at, where)
    if day is None:
        return None, None
    return day, day < _recorded_day(recorded_at, zone)  # ISO dates of four-digit years sort as dates


@lru_cache(maxsize=256)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


@lru_cache(maxsize=1 << 13)  # dates recur across cases; a timestamp's legal date is not looked up twice
def _plain_date(occurred_at: str) -> str | None:
    try:
        return parse_occurred_at(occurred_at).isoformat()  # a plain date is its own legal date (CONTRACT §1)
    except ValueError:
        return None


def _local_date(occurred_at: str, zone: ZoneInfo) -> str | None:
    """legal_date(parse_occurred_at(...)) of a timestamp, unrolled: it runs for every timestamped event of an
    export, and the two calls' generality was most of its time. tests/audit/test_export_pages.py holds them equal
    (an offset is required, and the date as written must be in the calendar's span, timelines.span)."""
    try:
        moment = datetime.fromisoformat(occurred_at.replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.utcoffset() is None or not FIRST_YEAR <= moment.year <= LAST_YEAR:
        return None
    return moment.astimezone(zone).date().isoformat()


@lru_cache(maxsize=1 << 12)  # one recorded_at per append: consecutive rows share it
def _recorded_day(recorded_at: str, zone: str) -> str:
    return datetime.fromisoformat(recorded_at.replace("Z", "+00:00")).astimezone(_zone(zone)).date().isoformat()

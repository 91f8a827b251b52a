"""Canonical JSON (RFC 8785), salted commitments to sensitive fields, and the hash of each chained event."""

from __future__ import annotations

import hashlib
import hmac
import json
import math
from collections.abc import Collection, Iterator, Mapping
from typing import Any

import rfc8785

# The envelope fields covered by an event's hash, in no particular order (canonical JSON sorts them).
# The per-event `salt` is deliberately absent: it is bound through the commitments below, and leaving it out
# lets a redacted export verify without shipping it (shipping it would un-hide every redacted field).
HASHED_FIELDS = (
    "position",
    "id",
    "case_id",
    "version",
    "type",
    "schema_version",
    "occurred_at",
    "recorded_at",
    "actor_id",
    "actor_role",
    "data",
    "idempotency_key",
)

# THE list of borrower-sensitive payload fields (free text and borrower references, CONTRACT §2). Each is
# hashed as a salted commitment, never in clear, so an examiner export may withhold it and still verify.
SENSITIVE_FIELDS: Mapping[str, tuple[str, ...]] = {
    "case_opened": ("borrower_ref",),
    "contact_logged": ("summary",),
    "note_added": ("text",),
    "entry_corrected": ("reason",),
    "entry_voided": ("reason",),
}
# A correction's replacement payload is free-form (its type is that of the corrected event, not known here),
# so every field name that is sensitive in any type is committed inside it.
REPLACEMENT_SENSITIVE = tuple(sorted({name for names in SENSITIVE_FIELDS.values() for name in names}))
COMMIT_KEY = "$commit"
_MAX_SAFE_INT = 2**53 - 1  # RFC 8785 §3.2.2.3: numbers are IEEE-754 doubles


def canonical_json(obj: Any) -> str:
    """RFC 8785 text of `obj`: sorted keys, no whitespace, shortest numbers; NaN and infinities rejected."""
    if _plain(obj):
        # Fast path (about 5x the pure-Python library): for str keys limited to ASCII, ints in the double
        # range and no floats, the stdlib encoder's output is byte-identical to RFC 8785 (tested).
        return _stdlib_json(obj)
    try:
        return rfc8785.dumps(obj).decode("utf-8")
    except rfc8785.CanonicalizationError as exc:
        raise ValueError(f"not canonicalizable as RFC 8785 JSON: {exc}") from exc


def _json_dumps(obj: Any) -> str:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def _unsupported(obj: Any) -> Any:
    raise TypeError(f"Object of type {type(obj).__name__} is not JSON serializable")


def _c_encoder() -> Any:
    """The stdlib's C encoder with _json_dumps's settings, built once; None where the C accelerator is missing.

    json.dumps builds one per call: a third of its cost on a small payload, and an append encodes a few.
    """
    make = json.encoder.c_make_encoder
    if make is None:
        return None
    sort_keys, skip_keys, allow_nan = True, False, False
    # No circular-reference markers: _plain has already walked the whole value (a cycle never gets here).
    return make(None, _unsupported, json.encoder.encode_basestring, None, ":", ",", sort_keys, skip_keys, allow_nan)


_C_ENCODER = _c_encoder()


def _stdlib_json(obj: Any) -> str:
    """json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)."""
    if _C_ENCODER is None:
        return _json_dumps(obj)
    return "".join(_C_ENCODER(obj, 0))


def canonical_bytes(obj: Any) -> bytes:
    """UTF-8 bytes of canonical_json(obj)."""
    return canonical_json(obj).encode("utf-8")


def _plain(obj: Any) -> bool:
    """True when every key is an ASCII str, every int is a safe double and there is no float."""
    if isinstance(obj, str) or obj is None or isinstance(obj, bool):
        return True
    if isinstance(obj, int):
        return -_MAX_SAFE_INT <= obj <= _MAX_SAFE_INT
    if isinstance(obj, float):
        if not math.isfinite(obj):
            raise ValueError(f"{obj!r} is not a JSON number (RFC 8785 §3.2.2.2)")
        return False
    if isinstance(obj, Mapping):
        return all(isinstance(k, str) and k.isascii() and _plain(v) for k, v in obj.items())
    if isinstance(obj, list | tuple):
        return all(_plain(v) for v in obj)
    return False  # let the library raise its precise error for unsupported types


def json_pointer(*parts: str) -> str:
    """RFC 6901 pointer to a field, e.g. json_pointer("data", "summary") == "/data/summary"."""
    return "".join("/" + p.replace("~", "~0").replace("/", "~1") for p in parts)


def field_salt(event_salt: str, pointer: str) -> str:
    """Per-field salt (hex) = HMAC-SHA256(event salt, pointer): disclosing one reveals no other field's."""
    return hmac.new(bytes.fromhex(event_salt), pointer.encode("utf-8"), hashlib.sha256).hexdigest()


def commitment(salt: str, kind: str, pointer: str, value: Any) -> str:
    """Salted commitment (hex) to one field value: SHA-256(field salt | type | pointer | canonical value)."""
    text = f"{salt}|{kind}|{pointer}|{canonical_json(value)}"
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def sensitive_pointers(kind: str, data: Mapping[str, Any]) -> Iterator[tuple[tuple[str, ...], str]]:
    """The sensitive fields present in `data` of an event of type `kind`: (path within data, pointer)."""
    for name in SENSITIVE_FIELDS.get(kind, ()):
        if name in data:
            yield (name,), json_pointer("data", name)
    replacement = data.get("replacement") if kind == "entry_corrected" else None
    inner = replacement.get("data") if isinstance(replacement, Mapping) else None
    if isinstance(inner, Mapping):
        for name in REPLACEMENT_SENSITIVE:
            if name in inner:
                yield ("replacement", "data", name), json_pointer("data", "replacement", "data", name)


def _field_commitment(envelope: Mapping[str, Any], pointer: str, value: Any) -> str:
    """The commitment of one sensitive field, from whatever the envelope discloses about it."""
    commitments = envelope.get("commitments") or {}
    if pointer in commitments:
        return str(commitments[pointer])
    salt = envelope.get("salt")
    if salt:
        salt = field_salt(salt, pointer)
    else:
        salt = (envelope.get("field_salts") or {}).get(pointer)
    if not salt:
        raise ValueError(f"event {envelope.get('id')}: no salt and no commitment for {pointer}")
    return commitment(salt, envelope["type"], pointer, value)


def _replace_at(data: Mapping[str, Any], path: tuple[str, ...], value: Any) -> dict[str, Any]:
    """A copy of `data` with the field at `path` replaced (the original is never mutated)."""
    copy = dict(data)
    copy[path[0]] = value if len(path) == 1 else _replace_at(data[path[0]], path[1:], value)
    return copy


def hashable_data(envelope: Mapping[str, Any]) -> dict[str, Any]:
    """The payload as hashed: every sensitive field replaced by {"$commit": <salted commitment>}."""
    data: dict[str, Any] = dict(envelope["data"])
    for path, pointer in list(sensitive_pointers(envelope["type"], data)):
        value: Any = data
        for part in path:
            value = value[part]
        data = _replace_at(data, path, {COMMIT_KEY: _field_commitment(envelope, pointer, value)})
    return data


def hashable_envelope(envelope: Mapping[str, Any]) -> dict[str, Any]:
    """The exact object whose canonical JSON an event's hash covers.

    `envelope` carries either the event's `salt` (the stored form), or, in a redacted export, `field_salts`
    {pointer: hex} for the disclosed sensitive fields and `commitments` {pointer: hex} for the withheld ones.
    """
    hashable = {name: envelope[name] for name in HASHED_FIELDS}
    hashable["data"] = hashable_data(envelope)
    return hashable


def event_hash(prev_hash: str, envelope: Mapping[str, Any]) -> str:
    """Chain hash (hex): SHA-256(ASCII hex of prev_hash || canonical JSON of the hashable envelope)."""
    return _chain_digest(prev_hash, envelope)[0]


def hashed_event(prev_hash: str, envelope: Mapping[str, Any]) -> tuple[str, str]:
    """event_hash(prev_hash, envelope), and canonical_json(envelope["data"]) (the stored form of the payload).

    The append path needs both; a payload without sensitive fields is hashed as it is stored, so its
    canonical text is built once for the two.
    """
    digest, data_text = _chain_digest(prev_hash, envelope)
    return digest, data_text if data_text is not None else canonical_json(envelope["data"])


def _chain_digest(prev_hash: str, envelope: Mapping[str, Any]) -> tuple[str, str | None]:
    """The chain hash, and the payload's canonical text when it is hashed as it is (no sensitive field)."""
    data = envelope["data"]
    plain = next(sensitive_pointers(envelope["type"], data), None) is None
    data_text = canonical_json(data) if plain else None
    text = _envelope_text(envelope, data_text if data_text is not None else canonical_json(hashable_data(envelope)))
    if text is None:  # an envelope field of an unusual type: the general encoder decides
        text = canonical_json(hashable_envelope(envelope))
    digest = hashlib.sha256(prev_hash.encode("ascii"))
    digest.update(text.encode("utf-8"))
    return digest.hexdigest(), data_text


# The hashable envelope's canonical text as a template: HASHED_FIELDS in RFC 8785 order (ASCII names, so code
# point order is UTF-16 order), one %s per value.
_SORTED_FIELDS = tuple(sorted(HASHED_FIELDS))
_ENVELOPE_TEMPLATE = "{" + ",".join(f'"{name}":%s' for name in _SORTED_FIELDS) + "}"
_DATA_AT = _SORTED_FIELDS.index("data")
_SCALAR_FIELDS = tuple(name for name in _SORTED_FIELDS if name != "data")
_encode_string = json.encoder.encode_basestring  # what canonical_json's fast path applies to each str


def _envelope_text(envelope: Mapping[str, Any], data_text: str) -> str | None:
    """canonical_json of the hashable envelope, given its payload's canonical text; None for unusual values.

    Only str, None and ints in the double range (not bool) are taken, each encoded exactly as canonical_json's
    fast path encodes it; anything else is left to canonical_json itself.
    """
    values = []
    for name in _SCALAR_FIELDS:
        value = envelope[name]
        kind = type(value)
        if kind is str:
            values.append(_encode_string(value))
        elif value is None:
            values.append("null")
        elif kind is int and -_MAX_SAFE_INT <= value <= _MAX_SAFE_INT:
            values.append(str(value))
        else:
            return None
    values.insert(_DATA_AT, data_text)
    return _ENVELOPE_TEMPLATE % tuple(values)


def selective_disclosure(envelope: Mapping[str, Any], *, withhold: Collection[str]) -> dict[str, dict[str, str]]:
    """What a redacted export ships for one event instead of its salt: field salts and withheld commitments.

    `withhold` names pointers (e.g. "/data/summary") whose values the export replaces; every other sensitive
    field present gets its own field salt so the verifier can recompute its commitment from the clear value.
    """
    salt = envelope["salt"]
    disclosed: dict[str, dict[str, str]] = {"field_salts": {}, "commitments": {}}
    for path, pointer in sensitive_pointers(envelope["type"], envelope["data"]):
        value: Any = envelope["data"]
        for part in path:
            value = value[part]
        one_salt = field_salt(salt, pointer)
        if pointer in withhold:
            disclosed["commitments"][pointer] = commitment(one_salt, envelope["type"], pointer, value)
        else:
            disclosed["field_salts"][pointer] = one_salt
    return disclosed


def leaf_hash(event_hash_hex: str) -> bytes:
    """RFC 6962 leaf hash of one event: SHA-256(0x00 || the 32 raw bytes of its chain hash)."""
    return hashlib.sha256(b"\x00" + bytes.fromhex(event_hash_hex)).digest()

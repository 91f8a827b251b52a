"""Canonical JSON (RFC 8785), salted commitments to sensitive fields and the chain hash of an event."""

from __future__ import annotations

import hashlib
import json
import math
from typing import Any

import pytest
import rfc8785
from hypothesis import given

from audit import canonical
from audit.canonical import canonical_json, event_hash, hashable_envelope, selective_disclosure
from tests.audit.json_strategies import json_values

SALT = "00112233445566778899aabbccddeeff"
PREV = "ab" * 32


def envelope(kind: str = "contact_logged", data: dict[str, Any] | None = None, **changes: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "position": 12,
        "id": "5f0c7a7e-1234-4567-8901-abcdefabcdef",
        "case_id": "C-1",
        "version": 3,
        "type": kind,
        "schema_version": 1,
        "occurred_at": "2026-07-02T10:15:00-04:00",
        "recorded_at": "2026-07-02T14:15:01.123456Z",
        "actor_id": "u-17",
        "actor_role": "specialist",
        "data": data
        if data is not None
        else {"channel": "phone", "direction": "outbound", "outcome": "live_contact", "party": "borrower",
              "staff_id": "u-17", "summary": "Borrower asked about a forbearance"},
        "idempotency_key": None,
        "salt": SALT,
    }
    return base | changes




def test_canonical_form_sorts_keys_and_drops_whitespace() -> None:
    assert canonical_json({"b": 1, "a": [True, None, "x"], "c": {"z": 0, "y": "é"}}) == (
        '{"a":[true,null,"x"],"b":1,"c":{"y":"é","z":0}}'
    )


def test_rfc8785_examples_numbers_and_escapes() -> None:
    # RFC 8785 §3.2.2.3 number serialisation (ECMAScript) and §3.2.2.2 string escaping.
    assert canonical_json([1e21, 1e-7, 0.1, -0.0, 5.0, 333333333.3333333]) == (
        "[1e+21,1e-7,0.1,0,5,333333333.3333333]"
    )
    assert canonical_json("\u20ac$\u000f\nA'B\"\\\\\"/") == '"€$\\u000f\\nA\'B\\"\\\\\\\\\\"/"'


def test_keys_sort_by_utf16_code_units_as_rfc8785_requires() -> None:
    # U+1F600 is a surrogate pair (0xD83D...) and so sorts before U+FB33 in UTF-16, after it in code points.
    assert canonical_json({"\ufb33": 1, "\U0001f600": 2}) == '{"\U0001f600":2,"\ufb33":1}'


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_nan_and_infinities_are_rejected(bad: float) -> None:
    with pytest.raises(ValueError, match="not"):
        canonical_json({"a": [bad]})


def test_integers_stay_integers_and_unsafe_ones_are_rejected() -> None:
    assert canonical_json({"n": 2**53 - 1}) == '{"n":9007199254740991}'
    with pytest.raises(ValueError):
        canonical_json({"n": 2**60})


@given(json_values)
def test_fast_path_is_byte_identical_to_the_rfc8785_library(value: Any) -> None:
    assert canonical_json(value).encode("utf-8") == rfc8785.dumps(value)


@given(json_values)
def test_canonical_form_parses_back_to_the_same_value(value: Any) -> None:
    assert json.loads(canonical_json(value)) == json.loads(rfc8785.dumps(value))


def test_event_hash_is_sha256_of_prev_hash_then_canonical_hashable_envelope() -> None:
    env = envelope()
    expected = hashlib.sha256(PREV.encode() + canonical_json(hashable_envelope(env)).encode()).hexdigest()
    assert event_hash(PREV, env) == expected


def test_every_hashed_field_changes_the_hash() -> None:
    env = envelope()
    base = event_hash(PREV, env)
    assert event_hash("cd" * 32, env) != base
    for name in canonical.HASHED_FIELDS:
        value = env[name]
        changed = value + 1 if isinstance(value, int) else ({**value, "x": 1} if isinstance(value, dict) else "X")
        assert event_hash(PREV, env | {name: changed}) != base, name


def test_hash_ignores_stored_extras_like_hash_and_prev_hash() -> None:
    env = envelope()
    assert event_hash(PREV, env | {"hash": "x", "prev_hash": "y"}) == event_hash(PREV, env)


def test_sensitive_value_is_hashed_only_as_a_salted_commitment() -> None:
    env = envelope()
    hashed = canonical_json(hashable_envelope(env))
    assert "forbearance" not in hashed
    committed = hashable_envelope(env)["data"]["summary"]
    assert set(committed) == {"$commit"}
    pointer = "/data/summary"
    expected = hashlib.sha256(
        f"{canonical.field_salt(SALT, pointer)}|contact_logged|{pointer}|"
        f'"Borrower asked about a forbearance"'.encode()
    ).hexdigest()
    assert committed["$commit"] == expected


def test_changing_a_sensitive_value_or_the_salt_changes_the_hash() -> None:
    env = envelope()
    base = event_hash(PREV, env)
    assert event_hash(PREV, env | {"data": env["data"] | {"summary": "Something else"}}) != base
    assert event_hash(PREV, env | {"salt": "ff" * 16}) != base


@pytest.mark.parametrize(
    ("kind", "data", "pointers"),
    [
        ("case_opened", {"loan_id": "L1", "borrower_ref": "B-9", "property_state": "NY"}, ["/data/borrower_ref"]),
        ("note_added", {"text": "called back"}, ["/data/text"]),
        ("entry_voided", {"voids": "e1", "reason": "typo by J. Smith"}, ["/data/reason"]),
        (
            "entry_corrected",
            {"corrects": "e1", "reason": "wrong day",
             "replacement": {"occurred_at": None, "data": {"summary": "real summary", "channel": "phone"}}},
            ["/data/reason", "/data/replacement/data/summary"],
        ),
        ("payment_missed", {"due_date": "2026-01-01"}, []),
    ],
)
def test_sensitive_fields_by_type(kind: str, data: dict[str, Any], pointers: list[str]) -> None:
    assert [p for _, p in canonical.sensitive_pointers(kind, data)] == pointers
    hashed = hashable_envelope(envelope(kind, data))["data"]
    assert "replacement" not in data or hashed["replacement"]["data"]["channel"] == "phone"
    for pointer in pointers:
        node: Any = hashed
        for part in pointer.split("/")[2:]:
            node = node[part]
        assert set(node) == {"$commit"}


def test_hashing_never_mutates_the_stored_payload() -> None:
    data = {"corrects": "e1", "reason": "r", "replacement": {"data": {"text": "t"}}}
    event_hash(PREV, envelope("entry_corrected", data))
    assert data == {"corrects": "e1", "reason": "r", "replacement": {"data": {"text": "t"}}}


def redacted(env: dict[str, Any], withhold: set[str]) -> dict[str, Any]:
    """What an examiner export ships: no event salt, pseudonyms in place, field salts and commitments."""
    record = {k: v for k, v in env.items() if k != "salt"}
    record.update(selective_disclosure(env, withhold=withhold))
    record["data"] = {k: ("PSEUDONYM-1" if f"/data/{k}" in withhold else v) for k, v in env["data"].items()}
    return record


def test_a_redacted_event_still_verifies_without_the_event_salt() -> None:
    env = envelope()
    record = redacted(env, {"/data/summary"})
    assert "salt" not in record and "forbearance" not in json.dumps(record)
    assert event_hash(PREV, record) == event_hash(PREV, env)


def test_a_disclosed_field_salt_reveals_nothing_about_other_fields() -> None:
    data = {"corrects": "e1", "reason": "secret reason", "replacement": {"data": {"summary": "shown"}}}
    env = envelope("entry_corrected", data)
    disclosure = selective_disclosure(env, withhold={"/data/reason"})
    assert set(disclosure["field_salts"]) == {"/data/replacement/data/summary"}
    assert set(disclosure["commitments"]) == {"/data/reason"}
    shown = canonical.field_salt(SALT, "/data/replacement/data/summary")
    assert disclosure["field_salts"]["/data/replacement/data/summary"] == shown != SALT
    record = {k: v for k, v in env.items() if k != "salt"} | disclosure
    record["data"] = data | {"reason": "[redacted]"}
    assert event_hash(PREV, record) == event_hash(PREV, env)


def test_a_disclosed_value_altered_in_an_export_fails_to_verify() -> None:
    env = envelope()
    record = redacted(env, set())
    assert event_hash(PREV, record) == event_hash(PREV, env)
    record["data"] = record["data"] | {"summary": "doctored"}
    assert event_hash(PREV, record) != event_hash(PREV, env)


def test_a_forged_commitment_in_an_export_fails_to_verify() -> None:
    env = envelope()
    record = redacted(env, {"/data/summary"})
    record["commitments"] = {"/data/summary": "00" * 32}
    assert event_hash(PREV, record) != event_hash(PREV, env)


def test_an_export_missing_both_salt_and_commitment_is_an_error() -> None:
    record = {k: v for k, v in envelope().items() if k != "salt"}
    with pytest.raises(ValueError, match="/data/summary"):
        event_hash(PREV, record)


def test_leaf_hash_is_rfc6962_leaf_of_the_raw_chain_hash() -> None:
    chain = "0f" * 32
    assert canonical.leaf_hash(chain) == hashlib.sha256(b"\x00" + bytes.fromhex(chain)).digest()

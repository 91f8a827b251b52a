"""The append path's chain hash: built field by field, byte-identical to the canonical JSON of the envelope."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from audit.canonical import SENSITIVE_FIELDS, canonical_json, event_hash, hashable_envelope, hashed_event
from tests.audit.json_strategies import json_values

SALT = "00112233445566778899aabbccddeeff"
PREV = "ab" * 32

# Envelope fields as the store writes them (str, int, None), plus values the general encoder must handle.
field_values = (
    st.text()
    | st.integers(min_value=-(2**60), max_value=2**60)
    | st.none()
    | st.booleans()
    | st.floats(allow_nan=False, allow_infinity=False)
)
kinds = st.sampled_from([*SENSITIVE_FIELDS, "application_received", "case_assigned"])


def reference_hash(prev_hash: str, envelope: dict[str, Any]) -> str:
    """The definition (issue 2): SHA-256(prev_hash || RFC 8785 JSON of the hashable envelope)."""
    text = canonical_json(hashable_envelope(envelope))
    return hashlib.sha256(prev_hash.encode("ascii") + text.encode("utf-8")).hexdigest()


@given(
    kind=kinds,
    data=st.dictionaries(
        st.sampled_from(["summary", "text", "reason", "borrower_ref", "x", "é"]) | st.text(), json_values, max_size=5
    ),
    fields=st.fixed_dictionaries(
        {
            name: field_values
            for name in (
                "position",
                "id",
                "case_id",
                "version",
                "schema_version",
                "occurred_at",
                "recorded_at",
                "actor_id",
                "actor_role",
                "idempotency_key",
            )
        }
    ),
)
def test_hashed_event_matches_the_canonical_json_of_the_whole_envelope(
    kind: str, data: dict[str, Any], fields: dict[str, Any]
) -> None:
    envelope = {**fields, "type": kind, "data": data, "salt": SALT}
    try:
        expected = reference_hash(PREV, envelope)
    except ValueError:  # e.g. an integer beyond 2**53: refused both ways
        with pytest.raises(ValueError, match="RFC 8785"):
            hashed_event(PREV, envelope)
        return
    digest, data_text = hashed_event(PREV, envelope)
    assert digest == expected == event_hash(PREV, envelope)
    assert data_text == canonical_json(data)


def test_a_sensitive_field_is_hashed_as_its_commitment_but_stored_in_clear() -> None:
    envelope = {
        "position": 7,
        "id": "e-7",
        "case_id": "C-1",
        "version": 2,
        "type": "note_added",
        "schema_version": 1,
        "occurred_at": "2026-07-02",
        "recorded_at": "2026-07-02T14:15:01.123456Z",
        "actor_id": "u-1",
        "actor_role": "specialist",
        "data": {"text": 'Borrower "called"\n'},
        "idempotency_key": None,
        "salt": SALT,
    }
    digest, data_text = hashed_event(PREV, envelope)
    assert data_text == '{"text":"Borrower \\"called\\"\\n"}'
    assert digest == reference_hash(PREV, envelope)
    assert digest != reference_hash(PREV, {**envelope, "data": {"text": "Borrower"}})

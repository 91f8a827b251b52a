"""Hypothesis strategies for arbitrary JSON values, shared by the canonical-JSON and hashing property tests."""

from __future__ import annotations

from hypothesis import strategies as st

# Integers stay inside IEEE-754's exact range: RFC 8785 canonicalises numbers as doubles.
json_scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**53) + 1, max_value=2**53 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text()
)
json_values = st.recursive(
    json_scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4),
    max_leaves=20,
)

"""RFC 6962 Merkle tree: roots, inclusion and consistency proofs against a literal reading of the RFC."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from audit import merkle


def leaf(i: int) -> bytes:
    return hashlib.sha256(b"\x00" + i.to_bytes(8, "big")).digest()


def leaves(n: int) -> list[bytes]:
    return [leaf(i) for i in range(n)]


def k_of(n: int) -> int:
    """The largest power of two smaller than n (RFC 6962 §2.1)."""
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def mth(d: list[bytes]) -> bytes:
    """MTH exactly as RFC 6962 §2.1 defines it (recursive reference)."""
    if not d:
        return hashlib.sha256(b"").digest()
    if len(d) == 1:
        return d[0]
    k = k_of(len(d))
    return hashlib.sha256(b"\x01" + mth(d[:k]) + mth(d[k:])).digest()


def path(m: int, d: list[bytes]) -> list[bytes]:
    """PATH(m, D[n]) exactly as RFC 6962 §2.1.1 defines it."""
    if len(d) == 1:
        return []
    k = k_of(len(d))
    if m < k:
        return [*path(m, d[:k]), mth(d[k:])]
    return [*path(m - k, d[k:]), mth(d[:k])]


def subproof(m: int, d: list[bytes], complete: bool) -> list[bytes]:
    """SUBPROOF(m, D[n], b) exactly as RFC 6962 §2.1.2 defines it."""
    if m == len(d):
        return [] if complete else [mth(d)]
    k = k_of(len(d))
    if m <= k:
        return [*subproof(m, d[:k], complete), mth(d[k:])]
    return [*subproof(m - k, d[k:], False), mth(d[:k])]


sizes = st.integers(min_value=1, max_value=300)


@given(n=st.integers(min_value=0, max_value=300))
def test_root_matches_the_rfc_definition_streaming_and_levelled(n: int) -> None:
    d = leaves(n)
    assert merkle.root(d) == mth(d)
    assert merkle.MerkleTree(d).root() == mth(d)


def test_root_of_the_empty_tree_is_the_hash_of_nothing() -> None:
    assert merkle.root([]) == hashlib.sha256(b"").digest()


def test_a_single_leaf_is_its_own_root() -> None:
    assert merkle.root([leaf(7)]) == leaf(7)


@given(data=st.data(), n=sizes)
def test_inclusion_proof_is_the_rfc_path_and_verifies(data: st.DataObject, n: int) -> None:
    d = leaves(n)
    index = data.draw(st.integers(min_value=0, max_value=n - 1))
    proof = merkle.inclusion_proof(index, d)
    assert proof == path(index, d)
    assert merkle.verify_inclusion(d[index], index, n, proof, mth(d))


@given(data=st.data(), n=st.integers(min_value=2, max_value=300))
def test_inclusion_fails_for_a_tampered_leaf_index_size_or_path(data: st.DataObject, n: int) -> None:
    d = leaves(n)
    index = data.draw(st.integers(min_value=0, max_value=n - 1))
    tree = merkle.MerkleTree(d)
    proof, root = tree.inclusion_proof(index), tree.root()
    assert not merkle.verify_inclusion(leaf(n + 1), index, n, proof, root)
    other = data.draw(st.integers(min_value=0, max_value=n - 1).filter(lambda i: i != index))
    assert not merkle.verify_inclusion(d[index], other, n, proof, root)
    assert not merkle.verify_inclusion(d[index], index, n, proof, leaf(n + 2))
    if proof:
        at = data.draw(st.integers(min_value=0, max_value=len(proof) - 1))
        bad = list(proof)
        bad[at] = bytes(b ^ 0xFF for b in bad[at])
        assert not merkle.verify_inclusion(d[index], index, n, bad, root)
        assert not merkle.verify_inclusion(d[index], index, n, proof[:-1], root)
    assert not merkle.verify_inclusion(d[index], index, n, [*proof, leaf(0)], root)


@given(data=st.data(), n=sizes)
def test_consistency_proof_is_the_rfc_proof_and_verifies(data: st.DataObject, n: int) -> None:
    d = leaves(n)
    m = data.draw(st.integers(min_value=0, max_value=n))
    proof = merkle.consistency_proof(m, d)
    assert proof == ([] if m in (0, n) else subproof(m, d, True))
    assert merkle.verify_consistency(m, n, mth(d[:m]), mth(d), proof)


@given(data=st.data(), n=st.integers(min_value=2, max_value=300))
def test_consistency_fails_when_the_prefix_was_rewritten(data: st.DataObject, n: int) -> None:
    d = leaves(n)
    m = data.draw(st.integers(min_value=1, max_value=n - 1))
    proof = merkle.consistency_proof(m, d)
    # A log that rewrote one of its first m entries cannot prove it extends the earlier tree.
    at = data.draw(st.integers(min_value=0, max_value=m - 1))
    rewritten = [*d[:at], leaf(n + 5), *d[at + 1 :]]
    assert not merkle.verify_consistency(m, n, mth(d[:m]), mth(rewritten), proof)
    assert not merkle.verify_consistency(m, n, mth(rewritten[:m]), mth(d), proof)
    assert not merkle.verify_consistency(m, n, mth(d[:m]), mth(d), [*proof, leaf(0)])
    bad = [bytes(b ^ 1 for b in p) if i == 0 else p for i, p in enumerate(proof)]
    assert not merkle.verify_consistency(m, n, mth(d[:m]), mth(d), bad)


def test_consistency_between_equal_sizes_needs_equal_roots_and_no_proof() -> None:
    d = leaves(5)
    assert merkle.verify_consistency(5, 5, mth(d), mth(d), [])
    assert not merkle.verify_consistency(5, 5, mth(d), mth(d[:4]), [])
    assert not merkle.verify_consistency(6, 5, mth(d), mth(d), [])


@settings(max_examples=50)
@given(n=st.integers(min_value=1, max_value=200), data=st.data())
def test_compact_range_gives_every_intermediate_root(n: int, data: st.DataObject) -> None:
    d = leaves(n)
    compact = merkle.CompactRange()
    for i, one in enumerate(d):
        compact.append(one)
        assert compact.root() == mth(d[: i + 1])


def test_inclusion_proof_rejects_an_index_outside_the_tree() -> None:
    with pytest.raises(IndexError):
        merkle.inclusion_proof(3, leaves(3))


def test_a_leaf_of_the_wrong_size_is_refused() -> None:
    with pytest.raises(ValueError, match="32 bytes"):
        merkle.MerkleTree([b"short"])


@given(data=st.data(), n=sizes)
def test_streaming_proofs_of_many_leaves_equal_the_levelled_ones(data: st.DataObject, n: int) -> None:
    d = leaves(n)
    extra = data.draw(st.integers(min_value=0, max_value=5))  # leaves past tree_size must be ignored
    indices = data.draw(st.lists(st.integers(min_value=0, max_value=n - 1), max_size=8))
    proofs = merkle.inclusion_proofs(indices, iter(d + leaves(n + extra)[n:]), tree_size=n)
    assert set(proofs) == set(indices)
    for index, proof in proofs.items():
        assert proof == path(index, d)


def test_streaming_proofs_need_tree_size_leaves() -> None:
    with pytest.raises(ValueError, match="only 3 leaves"):
        merkle.inclusion_proofs([0], leaves(3), tree_size=4)
    with pytest.raises(IndexError):
        merkle.inclusion_proofs([4], leaves(4), tree_size=4)

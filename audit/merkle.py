"""RFC 6962 (RFC 9162 §2.1) Merkle tree over leaf hashes: roots, inclusion and consistency proofs.

Pure and standard-library only, so the offline export verifier can carry the same algorithm. Every function
takes LEAF HASHES (32 bytes each, already SHA-256(0x00 || leaf data), see audit.canonical.leaf_hash).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence

HASH_SIZE = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()  # MTH({}) = SHA-256() (RFC 6962 §2.1)


def node_hash(left: bytes, right: bytes) -> bytes:
    """Interior node: SHA-256(0x01 || left || right) (RFC 6962 §2.1)."""
    return hashlib.sha256(b"\x01" + left + right).digest()


class CompactRange:
    """Streaming root: O(log n) memory, one leaf at a time (the stack of perfect left subtrees)."""

    def __init__(self) -> None:
        self.size = 0
        self._stack: list[tuple[bytes, int]] = []  # (subtree root, height), heights strictly decreasing

    def append(self, leaf: bytes) -> None:
        """Add the next leaf hash."""
        node, height = leaf, 0
        while self._stack and self._stack[-1][1] == height:
            left, _ = self._stack.pop()
            node, height = node_hash(left, node), height + 1
        self._stack.append((node, height))
        self.size += 1

    def root(self) -> bytes:
        """MTH of the leaves appended so far: the perfect subtrees folded from the right."""
        if not self._stack:
            return EMPTY_ROOT
        node = self._stack[-1][0]
        for left, _ in reversed(self._stack[:-1]):
            node = node_hash(left, node)
        return node


def root(leaves: Iterable[bytes]) -> bytes:
    """Merkle tree hash MTH(D[n]) of the leaf hashes, streaming (any iterable, O(log n) memory)."""
    compact = CompactRange()
    for leaf in leaves:
        compact.append(leaf)
    return compact.root()


def inclusion_proofs(indices: Iterable[int], leaves: Iterable[bytes], *, tree_size: int) -> dict[int, list[bytes]]:
    """Audit paths of several leaves in ONE pass over the first `tree_size` leaves, in O(k log n) memory.

    Each perfect subtree is completed exactly once while streaming; the ones on a wanted path are kept. The
    partial right-edge subtrees are folded from the final stack of perfect subtrees.
    """
    targets = sorted(set(indices))
    if targets and not 0 <= targets[0] <= targets[-1] < tree_size:
        raise IndexError(f"leaves {targets} are not all inside a tree of size {tree_size}")
    wanted = _wanted_siblings(targets, tree_size)
    found: dict[tuple[int, int], bytes] = {}
    stack: list[tuple[bytes, int]] = []
    count = 0
    for leaf in leaves:
        if count == tree_size:
            break
        node, height = leaf, 0
        while True:
            if (height, count >> height) in wanted:
                found[(height, count >> height)] = node
            if not stack or stack[-1][1] != height:
                break
            node, height = node_hash(stack.pop()[0], node), height + 1
        stack.append((node, height))
        count += 1
    if count < tree_size:
        raise ValueError(f"only {count} leaves for a tree of size {tree_size}")
    _fold_partial_siblings(wanted, found, stack)
    heights = range((tree_size - 1).bit_length())
    return {t: [found[(h, (t >> h) ^ 1)] for h in heights if (h, (t >> h) ^ 1) in wanted] for t in targets}


def _wanted_siblings(targets: Sequence[int], tree_size: int) -> set[tuple[int, int]]:
    """(height, index) of every node on the audit paths of `targets` (the promoted-node view of the tree)."""
    wanted = set()
    for height in range((tree_size - 1).bit_length()):
        width = (tree_size + (1 << height) - 1) >> height
        for target in targets:
            sibling = (target >> height) ^ 1
            if sibling < width:
                wanted.add((height, sibling))
    return wanted


def _fold_partial_siblings(
    wanted: set[tuple[int, int]], found: dict[tuple[int, int], bytes], stack: list[tuple[bytes, int]]
) -> None:
    """Fill the wanted right-edge (non-perfect) nodes: each is the right fold of a suffix of the stack."""
    starts, start = [], 0
    for _, height in stack:
        starts.append(start)
        start += 1 << height
    for height, index in wanted - found.keys():
        first = index << height
        suffix = [node for (node, _), begin in zip(stack, starts, strict=True) if begin >= first]
        node = suffix[-1]
        for left in reversed(suffix[:-1]):
            node = node_hash(left, node)
        found[(height, index)] = node


class MerkleTree:
    """All levels of a tree, packed 32 bytes per node (about 64 bytes per leaf), for O(log n) proofs.

    Built bottom-up; an unpaired last node is promoted unchanged to the next level, which yields exactly the
    RFC 6962 tree (whose left subtrees are the largest perfect ones).
    """

    def __init__(self, leaves: Iterable[bytes]) -> None:
        level = bytearray()
        for leaf in leaves:
            if len(leaf) != HASH_SIZE:
                raise ValueError(f"a leaf hash has {HASH_SIZE} bytes, not {len(leaf)}")
            level += leaf
        self.size = len(level) // HASH_SIZE
        self._levels = [bytes(level)]
        while len(self._levels[-1]) > HASH_SIZE:
            self._levels.append(_parent_level(self._levels[-1]))

    def root(self) -> bytes:
        """MTH of all leaves."""
        return self._levels[-1] if self.size else EMPTY_ROOT

    def _node(self, height: int, index: int) -> bytes:
        level = self._levels[height]
        return level[index * HASH_SIZE : (index + 1) * HASH_SIZE]

    def _width(self, height: int) -> int:
        return len(self._levels[height]) // HASH_SIZE

    def subtree(self, start: int, end: int) -> bytes:
        """MTH(D[start:end]) for a range that is a node of this tree (start aligned, end a boundary or n)."""
        height = (end - start - 1).bit_length()
        if start % (1 << height) or (end != self.size and end - start != 1 << height):
            raise ValueError(f"D[{start}:{end}] is not a subtree of a tree of size {self.size}")
        return self._node(height, start >> height)

    def inclusion_proof(self, index: int) -> list[bytes]:
        """Audit path PATH(index, D[n]) (RFC 6962 §2.1.1), the leaf's sibling first."""
        if not 0 <= index < self.size:
            raise IndexError(f"leaf {index} is outside a tree of size {self.size}")
        path = []
        for height in range(len(self._levels) - 1):
            sibling = index ^ 1
            if sibling < self._width(height):  # else this node is promoted: no sibling at this height
                path.append(self._node(height, sibling))
            index >>= 1
        return path

    def consistency_proof(self, first: int) -> list[bytes]:
        """PROOF(first, D[n]) (RFC 6962 §2.1.2): that the first `first` leaves are a prefix of this tree."""
        if not 0 <= first <= self.size:
            raise ValueError(f"cannot prove size {first} consistent with size {self.size}")
        if first in (0, self.size):
            return []
        return self._subproof(first, 0, self.size, complete=True)

    def _subproof(self, m: int, start: int, end: int, *, complete: bool) -> list[bytes]:
        n = end - start
        if m == n:
            return [] if complete else [self.subtree(start, end)]
        k = 1 << ((n - 1).bit_length() - 1)  # the largest power of two smaller than n
        if m <= k:
            return [*self._subproof(m, start, start + k, complete=complete), self.subtree(start + k, end)]
        return [*self._subproof(m - k, start + k, end, complete=False), self.subtree(start, start + k)]


def _parent_level(level: bytes) -> bytes:
    """The next level up: pairs hashed, an odd last node carried up unchanged."""
    out = bytearray()
    pair = 2 * HASH_SIZE
    full = len(level) - len(level) % pair
    sha256 = hashlib.sha256
    for offset in range(0, full, pair):
        out += sha256(b"\x01" + level[offset : offset + pair]).digest()
    out += level[full:]
    return bytes(out)


def inclusion_proof(index: int, leaves: Sequence[bytes]) -> list[bytes]:
    """Audit path of leaf `index` in the tree of all `leaves`."""
    return MerkleTree(leaves).inclusion_proof(index)


def consistency_proof(first: int, leaves: Sequence[bytes]) -> list[bytes]:
    """Consistency proof between the tree of the first `first` leaves and the tree of all `leaves`."""
    return MerkleTree(leaves).consistency_proof(first)


def verify_inclusion(leaf: bytes, index: int, tree_size: int, proof: Sequence[bytes], root_hash: bytes) -> bool:
    """True when `proof` shows leaf hash `leaf` at `index` in the tree of `tree_size` with `root_hash`."""
    if not 0 <= index < tree_size or any(len(p) != HASH_SIZE for p in proof):
        return False
    fn, sn, node = index, tree_size - 1, leaf
    for sibling in proof:  # RFC 9162 §2.1.3.2
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            node = node_hash(sibling, node)
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            node = node_hash(node, sibling)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and node == root_hash


def verify_consistency(
    first: int, second: int, first_root: bytes, second_root: bytes, proof: Sequence[bytes]
) -> bool:
    """True when `proof` shows the tree of `first` leaves (first_root) is a prefix of `second` (second_root)."""
    if not 0 <= first <= second or any(len(p) != HASH_SIZE for p in proof):
        return False
    if first == second:
        return not proof and first_root == second_root
    if first == 0:
        return not proof and first_root == EMPTY_ROOT
    return _consistency_roots(first, second, first_root, proof) == (first_root, second_root)


def _consistency_roots(
    first: int, second: int, first_root: bytes, proof: Sequence[bytes]
) -> tuple[bytes, bytes] | None:
    """Both roots recomputed from a consistency proof (RFC 9162 §2.1.4.2), or None when malformed."""
    path = [first_root, *proof] if first & (first - 1) == 0 else list(proof)
    if not path:
        return None
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = path[0]
    for node in path[1:]:
        if sn == 0:
            return None
        if fn & 1 or fn == sn:
            fr, sr = node_hash(node, fr), node_hash(node, sr)
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            sr = node_hash(sr, node)
        fn, sn = fn >> 1, sn >> 1
    return (fr, sr) if sn == 0 else None

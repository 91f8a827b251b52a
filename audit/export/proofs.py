"""Inclusion proofs for any number of events of a large log in bounded memory (portfolio exports).

The RFC 6962 tree of n leaves, cut into aligned chunks of 2^k leaves, is exactly the RFC 6962 tree over the
chunk roots (every split point of a tree larger than a chunk is a multiple of the chunk size), so a leaf's
audit path is its path inside its chunk followed by its chunk's path in the tree of chunk roots. Memory holds
one chunk's tree, its nodes already hex-encoded (~230 bytes per leaf: 4 MB), and n / 2^k roots; events are
proven in position order, each chunk read once.
"""

from __future__ import annotations

from collections.abc import Iterable
from json.encoder import encode_basestring as json_string

from sqlalchemy import Connection

from audit import merkle
from audit.canonical import leaf_hash
from audit.checkpoints import Checkpoint, CheckpointRefused, InclusionProof, stored_hashes

CHUNK = 1 << 14  # 16,384 leaves: a 4 MB chunk tree in hex, 61 roots per million events


class ChunkedProver:
    """Audit paths against one checkpoint, for events asked in increasing position order."""

    def __init__(self, conn: Connection, checkpoint: Checkpoint, *, chunk: int | None = None) -> None:
        chunk = chunk or CHUNK
        if chunk & (chunk - 1):
            raise ValueError("the chunk size must be a power of two")
        self.conn, self.size, self.chunk = conn, checkpoint.tree_size, chunk
        self.top = merkle.MerkleTree(self._chunk_roots())
        if self.top.root().hex() != checkpoint.root_hash:
            raise CheckpointRefused(f"the log's first {self.size} events no longer have the checkpoint's root")
        self._loaded: tuple[int, list[list[str]], list[str]] = (-1, [], [])

    def _chunk_roots(self) -> list[bytes]:
        roots, compact = [], merkle.CompactRange()
        for _, chain_hash in stored_hashes(self.conn, after=0, upto=self.size):
            compact.append(leaf_hash(chain_hash))
            if compact.size == self.chunk:
                roots.append(compact.root())
                compact = merkle.CompactRange()
        if compact.size:
            roots.append(compact.root())
        return roots

    def _chunk(self, index: int) -> tuple[list[list[str]], list[str]]:
        """Chunk `index`: its tree's levels (hex nodes, leaves first, root left out) and its path (hex) in the tree
        of chunk roots. Loaded once, as events are asked in order."""
        if self._loaded[0] != index:
            first = index * self.chunk
            hashes = stored_hashes(self.conn, after=first, upto=min(first + self.chunk, self.size))
            levels = chunk_levels([leaf_hash(h) for _, h in hashes])
            top = [node.hex() for node in self.top.inclusion_proof(index)]
            self._loaded = (index, [[node.hex() for node in level] for level in levels[:-1]], top)
        return self._loaded[1], self._loaded[2]

    def audit_path(self, position: int) -> list[str]:
        """The audit path (hex) of the event at `position` (1-based) in the checkpoint's tree."""
        index = position - 1
        if not 0 <= index < self.size:
            raise IndexError(f"position {position} is outside the checkpoint of {self.size} events")
        block = index // self.chunk
        levels, top = self._chunk(block)
        leaf = index - block * self.chunk
        # The sibling at each height, where there is one (an unpaired last node is promoted: none), as
        # merkle.MerkleTree.inclusion_proof walks it; then the chunk's own path.
        path = [level[(leaf >> height) ^ 1] for height, level in enumerate(levels) if (leaf >> height) ^ 1 < len(level)]
        return path + top

    def proof(self, position: int, event_hash: str) -> InclusionProof:
        """The inclusion proof of the event at `position` (1-based) in the checkpoint's tree."""
        return InclusionProof(position=position, leaf_index=position - 1, event_hash=event_hash,
                              audit_path=self.audit_path(position))

    def proof_lines(self, leaves: Iterable[tuple[int, str]]) -> bytes:
        """proofs.jsonl lines of (position, event hash) pairs: byte for byte dumps_line(proof(...).to_json())."""
        lines = []
        for position, event_hash in leaves:
            nodes = self.audit_path(position)
            path = '"' + '","'.join(nodes) + '"' if nodes else ""  # hex: nothing to escape
            lines.append(f'{{"audit_path":[{path}],"event_hash":{json_string(event_hash)},'
                         f'"leaf_index":{position - 1},"position":{position}}}\n')
        return "".join(lines).encode("utf-8")


def chunk_levels(leaves: list[bytes]) -> list[list[bytes]]:
    """Every level of the RFC 6962 tree of `leaves` (leaf hashes), leaves first, the root last.

    Pairs are hashed and an unpaired last node is carried up unchanged, as merkle.MerkleTree builds it; kept
    as lists here so that a chunk's nodes are looked up, and hex-encoded, once for all its leaves' proofs.
    """
    levels = [leaves]
    while len(levels[-1]) > 1:
        below = levels[-1]
        above = [merkle.node_hash(below[i], below[i + 1]) for i in range(0, len(below) - 1, 2)]
        levels.append(above + below[-1:] if len(below) % 2 else above)
    return levels

"""Inclusion proofs for any number of events of a large log in bounded memory (portfolio exports).

The RFC 6962 tree of n leaves, cut into aligned chunks of 2^k leaves, is exactly the RFC 6962 tree over the
chunk roots (every split point of a tree larger than a chunk is a multiple of the chunk size), so a leaf's
audit path is its path inside its chunk followed by its chunk's path in the tree of chunk roots. Memory holds
one chunk's tree (~64 bytes per leaf) and n / 2^k roots; events are proven in position order, each chunk read
once.
"""

from __future__ import annotations

from sqlalchemy import Connection

from audit import merkle
from audit.canonical import leaf_hash
from audit.checkpoints import Checkpoint, CheckpointRefused, InclusionProof, stored_hashes

CHUNK = 1 << 14  # 16,384 leaves: a 1 MiB chunk tree, 61 roots per million events


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
        self._loaded: tuple[int, merkle.MerkleTree | None] = (-1, None)

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

    def _chunk_tree(self, index: int) -> merkle.MerkleTree:
        if self._loaded[0] != index:
            first = index * self.chunk
            hashes = stored_hashes(self.conn, after=first, upto=min(first + self.chunk, self.size))
            self._loaded = (index, merkle.MerkleTree(leaf_hash(h) for _, h in hashes))
        tree = self._loaded[1]
        assert tree is not None  # noqa: S101 - set just above
        return tree

    def proof(self, position: int, event_hash: str) -> InclusionProof:
        """The audit path of the event at `position` (1-based) in the checkpoint's tree."""
        index = position - 1
        if not 0 <= index < self.size:
            raise IndexError(f"position {position} is outside the checkpoint of {self.size} events")
        block = index // self.chunk
        path = self._chunk_tree(block).inclusion_proof(index - block * self.chunk) + self.top.inclusion_proof(block)
        return InclusionProof(position=position, leaf_index=index, event_hash=event_hash,
                              audit_path=[node.hex() for node in path])

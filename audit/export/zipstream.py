"""Deterministic zip archives written as a stream: fixed entry times, order and attributes, hashed on the way.

The same entries always give the same bytes (for a given zlib), and nothing is ever held whole in memory: the
archive is written into a spool that the generator drains after each block, which is what lets an HTTP response
or a file receive a portfolio export of any size.
"""

from __future__ import annotations

import hashlib
import io
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

FIXED_TIME = (1980, 1, 1, 0, 0, 0)  # the earliest a zip can say: entry times carry no information
UNIX = 3  # ZipInfo.create_system: fixed, whatever platform writes the archive
FILE_MODE = 0o100644
BLOCK = 1 << 16


class Spool(io.RawIOBase):
    """A write-only, non-seekable sink whose bytes are taken out by drain()."""

    def __init__(self) -> None:
        super().__init__()
        self._chunks: list[bytes] = []
        self.pending = 0

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        chunk = bytes(data)
        self._chunks.append(chunk)
        self.pending += len(chunk)
        return len(chunk)

    def drain(self) -> bytes:
        """Everything written since the last drain."""
        out = b"".join(self._chunks)
        self._chunks, self.pending = [], 0
        return out


@dataclass
class FileDigests:
    """SHA-256 and size of each entry written so far, by name (what the manifest lists)."""

    files: dict[str, dict[str, Any]] = field(default_factory=dict)

    def add(self, name: str, digest: str, size: int) -> None:
        """Record one finished entry."""
        self.files[name] = {"sha256": digest, "bytes": size}


def entry_info(name: str) -> zipfile.ZipInfo:
    """A zip entry header with nothing that depends on time, user or platform."""
    info = zipfile.ZipInfo(name, date_time=FIXED_TIME)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.create_system = UNIX
    info.external_attr = FILE_MODE << 16
    return info


def blocks(chunks: Iterable[bytes], *, size: int = BLOCK) -> Iterator[bytes]:
    """Regroup many small chunks (one per line) into blocks of about `size` bytes."""
    pending: list[bytes] = []
    length = 0
    for chunk in chunks:
        pending.append(chunk)
        length += len(chunk)
        if length >= size:
            yield b"".join(pending)
            pending, length = [], 0
    if pending:
        yield b"".join(pending)


def zip_stream(entries: Iterable[tuple[str, Iterable[bytes]]], digests: FileDigests) -> Iterator[bytes]:
    """The archive of `entries` (name, content chunks), in order, yielded block by block.

    `entries` may be a generator whose later items read `digests` (a manifest listing the files before it).
    """
    spool = Spool()
    with zipfile.ZipFile(spool, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6) as archive:
        for name, chunks in entries:
            digest, size = hashlib.sha256(), 0
            with archive.open(entry_info(name), "w", force_zip64=True) as handle:
                for block in blocks(chunks):
                    handle.write(block)
                    digest.update(block)
                    size += len(block)
                    if spool.pending >= BLOCK:
                        yield spool.drain()
            digests.add(name, digest.hexdigest(), size)
            yield spool.drain()
    yield spool.drain()

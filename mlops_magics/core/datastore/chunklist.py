"""A chunk list: how to rebuild one large file's content from chunk objects.

Stored as ``chunklists/ab/cdef...`` under the hash of the *whole* content (the hash a version, a
folder tree or a lock file records), so existing hashes keep their meaning and a content is either
a whole object or a chunk list, never both needed. Readable JSON::

    {"format": 1, "algorithm": "blake3", "size": 1073741824, "chunks": [["9f2c...", 1048576], ...]}

A chunk list is published only after all its chunks: its presence means the content is complete.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from ..errors import StoreError
from .hashing import ALGORITHM

__all__ = ["ChunkList"]

FORMAT = 1


@dataclass
class ChunkList:
    """The chunks of one content, in order: ``(hash, size)``."""

    size: int
    chunks: list[tuple[str, int]] = field(default_factory=list)

    def to_bytes(self) -> bytes:
        doc = {"format": FORMAT, "algorithm": ALGORITHM, "size": self.size,
               "chunks": [[h, s] for h, s in self.chunks]}
        return json.dumps(doc, separators=(",", ":")).encode("utf-8")

    @classmethod
    def from_bytes(cls, data: bytes, digest: str = "") -> ChunkList:
        try:
            doc = json.loads(data)
            chunks = [(str(h), int(s)) for h, s in doc["chunks"]]
            size = int(doc["size"])
        except (ValueError, KeyError, TypeError) as exc:
            raise StoreError(f"chunk list {digest[:12]} is damaged ({exc}); pull it again from the remote") from None
        if sum(s for _, s in chunks) != size:
            raise StoreError(f"chunk list {digest[:12]} is damaged (sizes do not add up); pull it again")
        return cls(size, chunks)

    def offsets(self) -> list[tuple[str, int, int]]:
        """``(hash, offset, size)`` of every chunk."""
        out, pos = [], 0
        for h, s in self.chunks:
            out.append((h, pos, s))
            pos += s
        return out

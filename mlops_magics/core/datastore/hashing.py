"""BLAKE3 content hashes of bytes, files and folder trees."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Iterable

from blake3 import blake3

__all__ = ["ALGORITHM", "TreeEntry", "hash_bytes", "hash_file", "read_tree", "tree_bytes", "tree_path"]

ALGORITHM = "blake3"
_MMAP_MIN = 1 << 20  # below this a plain read is cheaper than mmap + threads

TreeEntry = tuple[str, str, int]  # (posix relative path, hash, size)


def hash_bytes(data: bytes | memoryview) -> str:
    """The hex digest of ``data``."""
    return blake3(data, max_threads=blake3.AUTO if len(data) >= _MMAP_MIN else 1).hexdigest()


def hash_file(path: str | os.PathLike[str], size: int | None = None) -> str:
    """The hex digest of a file's content (memory-mapped and multi-threaded for large files)."""
    if size is None:
        size = os.stat(path).st_size
    if size < _MMAP_MIN:
        with open(path, "rb") as fh:
            return blake3(fh.read()).hexdigest()
    hasher = blake3(max_threads=blake3.AUTO)
    hasher.update_mmap(path)
    return hasher.hexdigest()


def tree_bytes(entries: Iterable[TreeEntry]) -> bytes:
    """The canonical bytes of a folder tree: its sorted (path, hash, size) entries as JSON.

    A folder version's hash is the hash of these bytes, so it changes when any file's path or
    content changes and is independent of the order files were walked in.
    """
    rows = sorted((p, h, int(s)) for p, h, s in entries)
    doc = {"format": 1, "algorithm": ALGORITHM, "files": [list(r) for r in rows]}
    return json.dumps(doc, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def read_tree(data: bytes) -> list[TreeEntry]:
    """Parse tree bytes written by :func:`tree_bytes`."""
    doc = json.loads(data)
    return [(str(p), str(h), int(s)) for p, h, s in doc["files"]]


def tree_path(base: Path, rel: str) -> Path:
    """The path of a tree entry below ``base`` (entries are posix paths without '..')."""
    return base.joinpath(*rel.split("/"))

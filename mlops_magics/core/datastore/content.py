"""Contents by hash, whole or chunked: presence, the objects they need, reassembly with verification.

A content (a file version, a folder's file, a DataFrame snapshot) is either a whole object
``objects/ab/cd...`` (small files, and everything stored before chunking existed) or a chunk list
``chunklists/ab/cd...`` naming chunk objects. Either way it is addressed by the BLAKE3 of its whole
bytes, and every read that rebuilds it checks that hash.
"""

from __future__ import annotations

import os
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Iterator

from blake3 import blake3

from ..errors import StoreError
from .atomic import fsync_dir
from .chunklist import ChunkList
from .diskerrors import write_errors
from .meter import Meter
from .objects import ObjectStore, _copy_range

__all__ = ["ContentStore"]

_READ_ONLY = 0o444


def _place(src_fd: int, dst_fd: int, size: int, offset: int) -> bool:
    """Copy a whole chunk object (open as ``src_fd``, closed here) to ``offset`` of the output file."""
    try:
        return _copy_range(src_fd, dst_fd, size, 0, offset) == size
    finally:
        os.close(src_fd)


def _mode(dest: Path) -> str:
    """Write into a fresh (empty) temp file without O_TRUNC: ext4 then starts no flush on close."""
    return "r+b" if dest.exists() and dest.stat().st_size == 0 else "wb"


class ContentStore:
    """Whole objects and chunk lists of one store."""

    def __init__(self, objects: ObjectStore, lists_root: Path) -> None:
        self.objects = objects
        self.lists_root = lists_root

    # -- chunk lists -------------------------------------------------------------------------------
    def list_path(self, digest: str) -> Path:
        return self.lists_root / digest[:2] / digest[2:]

    def is_chunked(self, digest: str) -> bool:
        return self.list_path(digest).is_file()

    def chunk_list(self, digest: str) -> ChunkList:
        try:
            data = self.list_path(digest).read_bytes()
        except FileNotFoundError:
            raise StoreError(f"content {digest[:12]} is missing from the store; pull it from the remote") from None
        return ChunkList.from_bytes(data, digest)

    def put_list(self, digest: str, chunks: ChunkList) -> bool:
        """Publish a chunk list (after all its chunks); False if it was already there."""
        final = self.list_path(digest)
        if final.is_file():
            return False
        tmp = self.objects.temp()
        try:
            with write_errors(self.lists_root.parent):
                with open(tmp, "r+b") as fh:
                    fh.write(chunks.to_bytes())
                    fh.flush()
                    os.fsync(fh.fileno())
                os.chmod(tmp, _READ_ONLY)
                final.parent.mkdir(parents=True, exist_ok=True)
                os.replace(tmp, final)
                fsync_dir(final.parent)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        return True

    def lists(self) -> Iterator[str]:
        """Every stored chunk list's content hash."""
        if not self.lists_root.is_dir():
            return
        for sub in sorted(self.lists_root.iterdir()):
            if sub.is_dir() and len(sub.name) == 2:
                for item in sorted(sub.iterdir()):
                    if not item.name.startswith("."):
                        yield sub.name + item.name

    # -- presence ----------------------------------------------------------------------------------
    def has(self, digest: str) -> bool:
        """True when the content can be rebuilt here (a whole object, or a published chunk list)."""
        return self.objects.has(digest) or self.is_chunked(digest)

    def complete(self, digest: str) -> bool:
        """``has`` and, for chunked content, every chunk present (a stat per chunk)."""
        if self.objects.has(digest):
            return True
        if not self.is_chunked(digest):
            return False
        return all(self.objects.has(h) for h, _ in self.chunk_list(digest).chunks)

    def parts(self, digest: str, size: int | None = None) -> list[tuple[str, int]]:
        """The objects a content needs, ``(hash, size)``: itself when whole, else its chunks."""
        if self.is_chunked(digest):
            return list(self.chunk_list(digest).chunks)
        if size is None:
            size = self.objects.path(digest).stat().st_size if self.objects.has(digest) else 0
        return [(digest, size)]

    def size(self, digest: str) -> int:
        if self.is_chunked(digest):
            return self.chunk_list(digest).size
        return self.objects.path(digest).stat().st_size

    # -- reading -----------------------------------------------------------------------------------
    def _missing(self, digest: str) -> StoreError:
        return StoreError(f"content {digest[:12]} is missing from the store; pull it from the remote")

    def read_bytes(self, digest: str) -> bytes:
        """The whole content in memory (checked against its hash when chunked)."""
        if self.objects.has(digest):
            return self.objects.read_bytes(digest)
        if not self.is_chunked(digest):
            raise self._missing(digest)
        chunks = self.chunk_list(digest)
        out = bytearray(chunks.size)
        for h, offset, size in chunks.offsets():
            try:
                with open(self.objects.path(h), "rb") as fh:
                    if fh.readinto(memoryview(out)[offset: offset + size]) != size:
                        raise self._corrupt(digest, h)
            except FileNotFoundError:
                raise StoreError(f"chunk {h[:12]} of {digest[:12]} is missing; pull it again") from None
        if blake3(out, max_threads=blake3.AUTO).hexdigest() != digest:
            raise self._corrupt(digest, self._bad_chunk(chunks))
        return bytes(out)

    def _bad_chunk(self, chunks: ChunkList) -> str | None:
        for h, _ in chunks.chunks:
            if not self.objects.verify(h):
                return h
        return None

    def _corrupt(self, digest: str, chunk: str | None) -> StoreError:
        which = f"chunk {chunk[:12]}" if chunk else "its chunk list"
        return StoreError(f"content {digest[:12]} is corrupted ({which} does not match its hash); "
                          "pull it again or run 'data verify'")

    def export(self, digest: str, dest: Path, meter: Meter | None = None) -> None:
        """Write the content to ``dest`` (a new file the caller renames into place) and check its hash."""
        if not self.is_chunked(digest):
            if not self.objects.has(digest):
                raise self._missing(digest)
            src = self.objects.path(digest)
            size = src.stat().st_size
            with write_errors(dest.parent), open(src, "rb") as fin, open(dest, _mode(dest)) as fout:
                if _copy_range(fin.fileno(), fout.fileno(), size) != size:
                    raise self._corrupt(digest, None)
            if meter:
                meter.advance(1, size)
            return
        chunks = self.chunk_list(digest)
        hasher = blake3()
        buf = memoryview(bytearray(max((size for _, size in chunks.chunks), default=0)))
        copies: deque[Future] = deque()
        # Two things at once: worker threads copy chunk objects into place in the kernel
        # (copy_file_range at each chunk's offset) while this thread reads the same chunks in order and
        # hashes them; the whole-content hash is then known when the last copy lands.
        with write_errors(dest.parent), open(dest, _mode(dest)) as fout, \
                ThreadPoolExecutor(2, thread_name_prefix="mlops-export") as pool:
            for h, offset, size in chunks.offsets():
                try:
                    fd = os.open(self.objects.path(h), os.O_RDONLY)
                except FileNotFoundError:
                    raise StoreError(f"chunk {h[:12]} of {digest[:12]} is missing; pull it again") from None
                try:
                    got = os.preadv(fd, [buf[:size]], 0)
                    hasher.update(buf[:got])
                except BaseException:
                    os.close(fd)
                    raise
                copies.append(pool.submit(_place, fd, fout.fileno(), size, offset))
                if got != size:
                    raise self._corrupt(digest, h)
                while len(copies) > 16 or (copies and copies[0].done()):
                    if not copies.popleft().result():
                        raise self._corrupt(digest, h)
                if meter:
                    meter.advance(1, size)
            while copies:
                if not copies.popleft().result():
                    raise self._corrupt(digest, None)
        if hasher.hexdigest() != digest:
            raise self._corrupt(digest, self._bad_chunk(chunks))

    def verify(self, digest: str) -> bool:
        """True if the content rebuilds to its hash (every chunk read)."""
        if self.objects.has(digest):
            return self.objects.verify(digest)
        try:
            chunks = self.chunk_list(digest)
        except StoreError:
            return False
        hasher = blake3(max_threads=blake3.AUTO)
        for h, _ in chunks.chunks:
            path = self.objects.path(h)
            if not path.is_file():
                return False
            hasher.update(path.read_bytes())
        return hasher.hexdigest() == digest

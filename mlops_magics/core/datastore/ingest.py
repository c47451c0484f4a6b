"""Storing contents: a large file or a snapshot becomes chunk objects plus a chunk list.

One read of the source: FastCDC cut points, each chunk's BLAKE3 and the whole content's BLAKE3 are
computed in a single pass over a memory map; only chunks the store lacks are copied in (in the
kernel, by worker threads). The copies are made durable together and published under their names
only if the source's stat is unchanged from before the first read to after the last copy (so they
are the bytes that were hashed); the chunk list comes last, so a content is visible only when
complete. Small contents stay whole objects.
"""

from __future__ import annotations

import mmap
import os
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable, Optional

from blake3 import blake3

from .chunking import CHUNK_MIN_FILE, Cut, cdc_cuts
from .chunklist import ChunkList
from .content import ContentStore
from .futures import wait_or_raise
from .hashing import hash_bytes
from .meter import Meter
from .statcache import FileChangedError, stat_key

__all__ = ["Stored", "store_bytes", "store_file"]

WORKERS = 4  # copies + fsyncs in flight; they release the GIL while the main thread cuts and hashes


@dataclass
class Stored:
    """What storing one content did."""

    digest: str
    size: int
    new_bytes: int = 0  # bytes of objects that were not in the store before
    chunks: Optional[int] = None  # number of chunks; None for a whole object


def _known(content: ContentStore, digest: str, size: int) -> Stored:
    chunks = len(content.chunk_list(digest).chunks) if content.is_chunked(digest) else None
    return Stored(digest, size, 0, chunks)


class _Writer:
    """Runs object writes on a small pool, counting new bytes and failing fast."""

    def __init__(self, meter: Meter | None) -> None:
        self.meter = meter
        self.pool = ThreadPoolExecutor(WORKERS, thread_name_prefix="mlops-store")
        self.futures: list[Future] = []
        self.queued: set[str] = set()
        self.new_bytes = 0
        self._tally = threading.Lock()

    def submit(self, digest: str, size: int, fn: Callable[[], bool]) -> None:
        if digest in self.queued:
            self.skip(size)
            return
        self.queued.add(digest)

        def run() -> None:
            if fn():
                with self._tally:
                    self.new_bytes += size
            if self.meter:
                self.meter.advance(1, size)

        self.futures.append(self.pool.submit(run))
        if len(self.futures) > 256:  # bound the queue; surface errors early
            self.drain()

    def skip(self, size: int) -> None:
        if self.meter:
            self.meter.advance(1, size)

    def drain(self) -> None:
        wait_or_raise(self.futures)
        self.futures = []

    def close(self) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)


def store_file(content: ContentStore, path: Path, st: os.stat_result, known: str | None = None,
               meter: Meter | None = None) -> Stored:
    """Store the file at ``path`` (stat ``st`` taken before reading); ``known`` is its hash if known."""
    size = st.st_size
    if known is not None and content.has(known):
        if meter:
            meter.total(1, size)
            meter.advance(1, size)
        return _known(content, known, size)
    if size < CHUNK_MIN_FILE:
        digest = known or _hash_small(path, st)
        new = content.objects.put_file(path, digest, size)
        if meter:
            meter.total(1, size)
            meter.advance(1, size)
        return Stored(digest, size, size if new else 0)
    return _store_chunked(content, path, st, known, meter)


def _hash_small(path: Path, st: os.stat_result) -> str:
    with open(path, "rb") as fh:
        data = fh.read()
    if len(data) != st.st_size:
        raise FileChangedError(path)
    return hash_bytes(data)


def _store_chunked(content: ContentStore, path: Path, st: os.stat_result, known: str | None,
                   meter: Meter | None) -> Stored:
    objects = content.objects
    size = st.st_size
    if meter:
        meter.total(None, size)
    writer = _Writer(meter)
    chunks: list[tuple[str, int]] = []
    staged: list[tuple[Path, str]] = []  # (temp file, digest), appended by worker threads
    whole = blake3()
    fd = os.open(path, os.O_RDONLY)
    try:
        try:
            mm = mmap.mmap(fd, size, access=mmap.ACCESS_READ)
        except ValueError:  # shorter than its stat said: it is being written
            raise FileChangedError(path) from None
        with mm:
            view = memoryview(mm)
            cuts = cdc_cuts(view)
            try:
                for offset, length in cuts:
                    with view[offset: offset + length] as piece:  # released even when hashing fails
                        digest = blake3(piece).hexdigest()
                        whole.update(piece)
                    chunks.append((digest, length))
                    if objects.has(digest):
                        writer.skip(length)
                    else:
                        writer.submit(digest, length, lambda d=digest, o=offset, n=length: staged.append(
                            (objects.stage_range(path, fd, o, n), d)) or True)
                writer.drain()
            finally:
                cuts.close()  # drop the chunker's view of the map before the map closes
                view.release()
        # The chunks were hashed from the memory map and copied from the same file; unchanged stat
        # from before the first read to after the last copy means the copies are the hashed bytes.
        if stat_key(os.fstat(fd)) != stat_key(st) or stat_key(os.stat(path)) != stat_key(st):
            raise FileChangedError(path)
        digest = whole.hexdigest()
        if known is not None and known != digest:
            raise FileChangedError(path)
        objects.publish_staged(staged)
        staged.clear()
    finally:
        writer.close()
        os.close(fd)
        for tmp, _ in staged:  # not published: the source changed, or an error stopped us
            tmp.unlink(missing_ok=True)
    content.put_list(digest, ChunkList(size, chunks))
    if meter:
        meter.total(len(chunks))
    return Stored(digest, size, writer.new_bytes, len(chunks))


def store_bytes(content: ContentStore, data: bytes, cuts: Callable[[bytes], Iterable[Cut]],
                meter: Meter | None = None) -> Stored:
    """Store an in-memory content (a snapshot), chunked at ``cuts`` when it is large."""
    digest = hash_bytes(data)
    size = len(data)
    if content.has(digest):
        return _known(content, digest, size)
    if size < CHUNK_MIN_FILE:
        _, new = content.objects.put_bytes(data, digest)
        return Stored(digest, size, size if new else 0)
    objects = content.objects
    if meter:
        meter.total(None, size)
    writer = _Writer(meter)
    view = memoryview(data)
    chunks: list[tuple[str, int]] = []
    try:
        for offset, length in cuts(data):
            piece = view[offset: offset + length]
            h = hash_bytes(piece)
            chunks.append((h, length))
            if objects.has(h):
                writer.skip(length)
            else:
                writer.submit(h, length, lambda p=piece, d=h: objects.put_bytes(p, d)[1])
        writer.drain()
    finally:
        writer.close()
    content.put_list(digest, ChunkList(size, chunks))
    if meter:
        meter.total(len(chunks))
    return Stored(digest, size, writer.new_bytes, len(chunks))

"""Content-addressed object store: ``objects/ab/cdef...``, one read-only file per distinct content.

An object appears under its final name only after it was written completely to a temp file,
its hash was checked against the name, and it was fsynced: a reader (or a crash) never sees a
partial object.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Iterator

from ..errors import StoreError
from .atomic import fsync_dir, temp_path
from .diskerrors import NO_SPACE, no_space, write_errors
from .hashing import hash_bytes, hash_file
from .statcache import FileChangedError

__all__ = ["ObjectStore"]

_READ_ONLY = 0o444


def _copy_range(src_fd: int, dst_fd: int, size: int, offset: int = 0, dst_offset: int = 0) -> int:
    """Copy ``size`` bytes from ``offset`` of one file to ``dst_offset`` of another, in the kernel
    (copy_file_range) when it can, else by pread/pwrite.

    Returns the count copied (less than ``size`` only when the source ended early). Out-of-space
    errors propagate as ``OSError`` (never mistaken for a source that changed).
    """
    copied = 0
    in_kernel = hasattr(os, "copy_file_range")
    while copied < size:
        if in_kernel:
            try:
                n = os.copy_file_range(src_fd, dst_fd, size - copied, offset + copied, dst_offset + copied)
            except OSError as exc:
                if exc.errno in NO_SPACE:
                    raise
                in_kernel = False  # e.g. EXDEV / EINVAL on some kernels and file systems
                continue
        else:
            block = os.pread(src_fd, min(1 << 22, size - copied), offset + copied)
            n = os.pwrite(dst_fd, block, dst_offset + copied) if block else 0
        if n == 0:
            break
        copied += n
    return copied


def _short_copy(src_fd: int, src: Path, end: int, where: Path) -> Exception:
    """Why a copy came up short: the source shrank (it changed) or the disk filled up."""
    if os.fstat(src_fd).st_size < end:
        return FileChangedError(src)
    return no_space(where)


class ObjectStore:
    """Objects under ``root``, temp files under ``tmp`` (same file system, so renames are atomic)."""

    def __init__(self, root: Path, tmp: Path) -> None:
        self.root = root
        self.tmp = tmp

    def path(self, digest: str) -> Path:
        return self.root / digest[:2] / digest[2:]

    def has(self, digest: str) -> bool:
        return self.path(digest).is_file()

    def _publish(self, tmp: Path, digest: str) -> bool:
        """Rename a complete, verified temp file to its object name; False if it already existed."""
        final = self.path(digest)
        if final.is_file():
            tmp.unlink(missing_ok=True)
            return False
        with write_errors(self.root.parent):
            final.parent.mkdir(parents=True, exist_ok=True)
            os.chmod(tmp, _READ_ONLY)
            os.replace(tmp, final)
            fsync_dir(final.parent)
        return True

    def _seal(self, tmp: Path) -> str:
        """fsync a written temp file while hashing it (both release the GIL); returns its hash."""
        import threading

        failed: list[OSError] = []

        def sync() -> None:
            try:
                os.fsync(fd)
            except OSError as exc:  # out of space can surface here (delayed allocation)
                failed.append(exc)

        fd = os.open(tmp, os.O_RDONLY)
        try:
            syncer = threading.Thread(target=sync)
            syncer.start()
            try:
                digest = hash_file(tmp)
            finally:
                syncer.join()
        finally:
            os.close(fd)
        if failed:
            with write_errors(self.root.parent):
                raise failed[0]
        return digest

    def temp(self) -> Path:
        """A fresh temp file, owned by the running writer session if there is one."""
        from .writers import current_session

        session = current_session(self.tmp)
        return session.temp() if session is not None else temp_path(self.tmp)

    def _copy_to_temp(self, src: Path, size: int, src_fd: int | None = None, offset: int = 0) -> Path:
        tmp = self.temp()
        try:
            with write_errors(self.root.parent):
                # "r+b", not "wb": no O_TRUNC, so ext4 does not start a synchronous flush on close
                with open(src, "rb") if src_fd is None else open(os.dup(src_fd), "rb") as fin, \
                        open(tmp, "r+b") as fout:
                    if _copy_range(fin.fileno(), fout.fileno(), size, offset) != size:
                        raise _short_copy(fin.fileno(), src, offset + size, self.root.parent)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        return tmp

    def put_file(self, src: Path, digest: str, size: int) -> bool:
        """Store a copy of ``src`` whose content hashes to ``digest``; True if it was new."""
        if self.has(digest):
            return False
        tmp = self._copy_to_temp(src, size)
        try:
            if os.stat(tmp).st_size != size or self._seal(tmp) != digest:
                raise FileChangedError(src)
            return self._publish(tmp, digest)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise

    def stage_range(self, src: Path, src_fd: int, offset: int, size: int) -> Path:
        """Copy bytes ``[offset, offset + size)`` of an open source file into a temp file, in the kernel;
        the caller publishes it with :meth:`publish_staged` (which makes it durable first)."""
        return self._copy_to_temp(src, size, src_fd, offset)

    def publish_staged(self, staged: list[tuple[Path, str]]) -> None:
        """Make staged temp files durable, rename them to their object names, make the renames durable.

        Each was hashed by the caller from the very bytes the copy was made from (the source unchanged
        throughout). The fsyncs run together, so the file system commits them in a few batches
        instead of one journal commit per chunk.
        """
        from concurrent.futures import ThreadPoolExecutor

        def sync(path: Path) -> None:
            fd = os.open(path, os.O_RDONLY)
            try:
                os.fdatasync(fd)
            finally:
                os.close(fd)

        with write_errors(self.root.parent):
            with ThreadPoolExecutor(16, thread_name_prefix="mlops-sync") as pool:
                list(pool.map(sync, [tmp for tmp, _ in staged]))
            parents = set()
            for tmp, digest in staged:
                final = self.path(digest)
                if final.is_file():
                    tmp.unlink(missing_ok=True)
                    continue
                final.parent.mkdir(parents=True, exist_ok=True)
                os.chmod(tmp, _READ_ONLY)
                os.replace(tmp, final)
                parents.add(final.parent)
            with ThreadPoolExecutor(16, thread_name_prefix="mlops-sync") as pool:
                list(pool.map(fsync_dir, parents))

    def put_bytes(self, data: bytes | memoryview, digest: str | None = None) -> tuple[str, bool]:
        """Store ``data`` (whose hash is ``digest`` when the caller knows it); returns ``(digest, was_new)``."""
        digest = digest or hash_bytes(data)
        if self.has(digest):
            return digest, False
        tmp = self.temp()
        try:
            with write_errors(self.root.parent), open(tmp, "r+b") as fh:
                fh.write(data)
            if self._seal(tmp) != digest:
                raise StoreError(f"object {digest[:12]} did not read back as written; check the disk")
            return digest, self._publish(tmp, digest)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise

    def put_verified(self, tmp: Path, digest: str) -> bool:
        """Publish a temp file (downloaded from a remote) after checking its hash."""
        try:
            actual = self._seal(tmp)
            if actual != digest:
                raise StoreError(f"object {digest[:12]} arrived corrupted (hash {actual[:12]}); pull again")
            return self._publish(tmp, digest)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise

    def read_bytes(self, digest: str) -> bytes:
        try:
            return self.path(digest).read_bytes()
        except FileNotFoundError:
            raise StoreError(f"object {digest[:12]} is missing from the store; pull it from the remote") from None

    def verify(self, digest: str) -> bool:
        """True if the object exists and its content still hashes to its name."""
        path = self.path(digest)
        return path.is_file() and hash_file(path) == digest

    def __iter__(self) -> Iterator[str]:
        """Every stored object's digest."""
        if not self.root.is_dir():
            return
        for sub in sorted(self.root.iterdir()):
            if sub.is_dir() and len(sub.name) == 2:
                for obj in sorted(sub.iterdir()):
                    yield sub.name + obj.name

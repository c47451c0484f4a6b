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
from .hashing import hash_bytes, hash_file
from .statcache import FileChangedError, stat_key

__all__ = ["ObjectStore"]

_READ_ONLY = 0o444


def _copy_range(src_fd: int, dst_fd: int, size: int) -> int:
    """Copy up to ``size`` bytes in the kernel (copy_file_range), else by read/write; returns the count."""
    copied = 0
    try:
        while copied < size:
            n = os.copy_file_range(src_fd, dst_fd, size - copied)
            if n == 0:
                break
            copied += n
    except (AttributeError, OSError):
        os.lseek(src_fd, 0, os.SEEK_SET)
        os.lseek(dst_fd, 0, os.SEEK_SET)
        os.ftruncate(dst_fd, 0)
        copied = 0
        while chunk := os.read(src_fd, 1 << 22):
            os.write(dst_fd, chunk)
            copied += len(chunk)
    return copied


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
        final.parent.mkdir(parents=True, exist_ok=True)
        os.chmod(tmp, _READ_ONLY)
        os.replace(tmp, final)
        fsync_dir(final.parent)
        return True

    def _seal(self, tmp: Path) -> str:
        """fsync a written temp file while hashing it (both release the GIL); returns its hash."""
        import threading

        fd = os.open(tmp, os.O_RDONLY)
        try:
            syncer = threading.Thread(target=os.fsync, args=(fd,))
            syncer.start()
            try:
                return hash_file(tmp)
            finally:
                syncer.join()
        finally:
            os.close(fd)

    def _copy_to_temp(self, src: Path, size: int) -> Path:
        tmp = temp_path(self.tmp)
        try:
            # "r+b", not "wb": no O_TRUNC, so ext4 does not start a synchronous flush on close
            with open(src, "rb") as fin, open(tmp, "r+b") as fout:
                if _copy_range(fin.fileno(), fout.fileno(), size) != size:
                    raise FileChangedError(src)  # it shrank while being copied
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

    def ingest(self, src: Path, st: os.stat_result) -> tuple[str, bool]:
        """Copy ``src`` in, naming the object by the hash of the copy itself: one read of the source.

        For large files whose hash is not known yet. ``st`` is the source's stat before the copy; if it
        differs afterwards the file changed meanwhile and nothing is stored. Returns ``(digest, was_new)``.
        """
        tmp = self._copy_to_temp(src, st.st_size)
        try:
            digest = self._seal(tmp)
            if stat_key(os.stat(src)) != stat_key(st) or os.stat(tmp).st_size != st.st_size:
                raise FileChangedError(src)
            return digest, self._publish(tmp, digest)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise

    def put_bytes(self, data: bytes) -> tuple[str, bool]:
        """Store ``data``; returns ``(digest, was_new)``."""
        digest = hash_bytes(data)
        if self.has(digest):
            return digest, False
        tmp = temp_path(self.tmp)
        try:
            with open(tmp, "r+b") as fh:
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

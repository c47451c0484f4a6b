"""Stat cache: (size, mtime, ctime, inode, device) -> hash, so unchanged files are not re-read.

Like DVC's state database. An entry is recorded only when the file's mtime is older than the
moment hashing started by more than the kernel's timestamp granularity, so a write that lands in
the same clock tick as the hash (a "racy" file) can never be mistaken for unchanged content.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

from ..errors import MlopsError
from .atomic import atomic_write_bytes
from .hashing import hash_file
from .locking import file_lock

__all__ = ["FileChangedError", "StatCache", "stat_key"]

RACY_NS = 20_000_000  # 20 ms: two coarse kernel clock ticks at HZ=100
MAX_ENTRIES = 200_000

StatKey = tuple[int, int, int, int, int]


def stat_key(st: os.stat_result) -> StatKey:
    return (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino, st.st_dev)


class StatCache:
    """A JSON file mapping absolute paths to their stat key and content hash."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._entries: dict[str, list] | None = None
        self._pending: dict[str, list] = {}

    def _load(self) -> dict[str, list]:
        if self._entries is None:
            try:
                self._entries = json.loads(self.path.read_bytes()).get("entries", {})
            except (OSError, ValueError, AttributeError):
                self._entries = {}
        return self._entries

    def lookup(self, path: Path, st: os.stat_result) -> str | None:
        """The cached hash of ``path`` if its stat is unchanged, else ``None``."""
        entry = self._pending.get(str(path)) or self._load().get(str(path))
        if entry and tuple(entry[:5]) == stat_key(st):
            return str(entry[5])
        return None

    def record(self, path: Path, st: os.stat_result, digest: str, started_ns: int) -> None:
        """Remember ``digest`` for ``path`` (unless its mtime is too recent to be trusted)."""
        if started_ns - st.st_mtime_ns > RACY_NS:
            self._pending[str(path)] = [*stat_key(st), digest]

    def hash(self, path: Path) -> tuple[str, os.stat_result]:
        """Hash ``path`` through the cache; raises ``FileChangedError`` if it changes meanwhile."""
        st = os.stat(path)
        cached = self.lookup(path, st)
        if cached is not None:
            return cached, st
        started = time.time_ns()
        digest = hash_file(path, st.st_size)
        after = os.stat(path)
        if stat_key(after) != stat_key(st):
            raise FileChangedError(path)
        self.record(path, st, digest, started)
        return digest, st

    def save(self) -> None:
        """Merge pending entries into the file (under a lock, atomically)."""
        if not self._pending:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with file_lock(self.path.with_suffix(".lock")):
            self._entries = None
            entries = self._load()
            entries.update(self._pending)
            if len(entries) > MAX_ENTRIES:  # drop the oldest insertions
                for key in list(entries)[: len(entries) - MAX_ENTRIES]:
                    del entries[key]
            data = json.dumps({"format": 1, "entries": entries}, separators=(",", ":"))
            atomic_write_bytes(self.path, data.encode("utf-8"))
        self._pending.clear()


class FileChangedError(MlopsError):
    """A file changed while it was being hashed or copied."""

    def __init__(self, path: Path) -> None:
        super().__init__(f"{path} changed while it was being read; wait until it is written and add it again")
        self.path = path

"""The background writer's spool: what a process handed to its writer, kept on local disk until stored.

JSON-lines files, ``MLOPS_HOME/spool/writer/HOST-PID-TOKEN-NNNNNN.jsonl``, each held under an exclusive
``flock`` while its writer lives (the kernel drops the lock when the process dies, however it dies). A line
``{"op": N, ...}`` is appended when an operation is handed over, ``{"done": N}`` when it is stored; a
file holds at most 64 operations, is removed once all of them are stored (the newest one is emptied
instead), and every file with nothing owed is removed when the writer closes. An append is a plain ``write`` (no ``fsync``): it survives a ``kill -9`` of the process, not a
power cut. A file nobody holds locked belongs to a process that is gone: :func:`dead_spools` finds
them, :func:`pending_ops` reads what they still owe (a torn last line is skipped).
"""

from __future__ import annotations

import json
import os
import socket
import threading
import uuid
from pathlib import Path
from typing import Any, Iterator

from ..backend.processes import pid_alive

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: files are judged by their process id instead
    fcntl = None  # type: ignore[assignment]

__all__ = ["Spool", "dead_spools", "pending_ops", "spool_folder"]


def spool_folder(spool_dir: Path) -> Path:
    return spool_dir / "writer"


def _lock(fd: int) -> bool:
    """Take the exclusive lock of an open spool file without waiting; False when someone holds it."""
    if fcntl is None:  # pragma: no cover
        return True
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return False
    return True


class _Segment:
    """One spool file: its descriptor (locked), its size, the operations in it not stored yet."""

    def __init__(self, path: Path, fd: int) -> None:
        self.path, self.fd, self.size = path, fd, 0
        self.ops = 0
        self.undone: set[int] = set()


class Spool:
    """This process's spool: files of at most :attr:`SEGMENT_OPS` operations each (created on demand), so
    a long burst that keeps the writer busy leaves behind only files still owed, not everything ever logged."""

    SEGMENT_OPS = 64

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._name = f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:8]}"
        self._segments: list[_Segment] = []
        self._opened = 0
        self._of: dict[int, _Segment] = {}  # operation number -> its segment
        self._lock = threading.Lock()
        self._closed = False
        self.failed = False  # an append did not reach the disk (full): that operation lives in memory only

    @property
    def path(self) -> Path | None:
        """The file new operations go to."""
        return self._segments[-1].path if self._segments else None

    def _open(self) -> _Segment:
        self.folder.mkdir(parents=True, exist_ok=True)
        name = f"{self._name}-{self._opened:06d}"  # a process's files sort in the order they were made
        self._opened += 1
        tmp = self.folder / f".{name}.tmp"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        _lock(fd)  # taken before the file has its listed name: no one can mistake it for a dead one
        path = self.folder / f"{name}.jsonl"
        os.replace(tmp, path)
        segment = _Segment(path, fd)
        self._segments.append(segment)
        return segment

    def _write(self, segment: _Segment, record: dict[str, Any]) -> bool:
        data = (json.dumps(record, separators=(",", ":")) + "\n").encode("utf-8", "surrogatepass")
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(segment.fd, view):]
        except OSError:
            self.failed = True
            try:
                os.ftruncate(segment.fd, segment.size)  # no torn line left behind
            except OSError:
                pass
            return False
        segment.size += len(data)
        return True

    def append(self, seq: int, record: dict[str, Any]) -> bool:
        """Append operation ``seq``; False when it could not be written (it then lives in memory only)."""
        with self._lock:
            if self._closed:
                return False
            try:
                segment = self._segments[-1] if self._segments else None
                if segment is None or segment.ops >= self.SEGMENT_OPS:
                    segment = self._open()
            except OSError:
                self.failed = True
                return False
            if not self._write(segment, record):
                return False
            segment.ops += 1
            segment.undone.add(seq)
            self._of[seq] = segment
            return True

    def done(self, seq: int) -> None:
        """Operation ``seq`` is stored: marked so; a full file with nothing left owed is removed."""
        with self._lock:
            segment = self._of.pop(seq, None)
            if segment is None or self._closed:
                return
            self._write(segment, {"done": seq})
            segment.undone.discard(seq)
            if not segment.undone and segment is not self._segments[-1]:
                self._remove(segment)

    def _remove(self, segment: _Segment) -> None:
        try:
            segment.path.unlink()
        except OSError:
            pass
        os.close(segment.fd)
        self._segments.remove(segment)

    def clear(self) -> None:
        """Everything handed over is stored: keep one empty file."""
        with self._lock:
            for segment in self._segments[:-1]:
                if not segment.undone:
                    self._remove(segment)
            if self._segments and not self._segments[-1].undone and self._segments[-1].size:
                try:
                    os.ftruncate(self._segments[-1].fd, 0)
                    self._segments[-1].size = self._segments[-1].ops = 0  # the file is reused
                except OSError:
                    pass

    def close(self) -> None:
        """Release the files: those with nothing owed are removed, the others left for the next start."""
        with self._lock:
            self._closed = True
            for segment in list(self._segments):
                if not segment.undone:
                    self._remove(segment)
                else:
                    os.close(segment.fd)
            self._segments.clear()


    def forget(self) -> None:
        """In a forked child: close the files inherited from the parent (they, and their locks, stay the
        parent's). No lock taken: another thread may have held it at the fork."""
        self._closed = True
        for segment in self._segments:
            try:
                os.close(segment.fd)
            except OSError:
                pass
        self._segments = []


def dead_spools(spool_dir: Path) -> Iterator[tuple[Path, int]]:
    """Spool files of processes that are gone, each yielded with its file descriptor open and locked (the
    caller closes it once the file is replayed and removed: no other process replays it meanwhile)."""
    folder = spool_folder(spool_dir)
    if not folder.is_dir():
        return
    for path in sorted(folder.glob("*.jsonl")):
        if path.name.startswith("failed-"):
            continue
        try:
            fd = os.open(path, os.O_RDWR)
        except OSError:
            continue  # replayed and removed by another process meanwhile
        if fcntl is None:  # pragma: no cover
            pid = path.stem.rsplit("-", 3)[-3]  # HOST-PID-TOKEN-NNNNNN
            if pid.isdigit() and pid_alive(int(pid)):
                os.close(fd)
                continue
        elif not _lock(fd):
            os.close(fd)
            continue  # its process is alive
        if not path.exists():  # removed between the listing and the lock
            os.close(fd)
            continue
        yield path, fd


def pending_ops(path: Path) -> list[dict[str, Any]]:
    """The operations in a spool file not marked done, in the order they were handed over."""
    ops: dict[int, dict[str, Any]] = {}
    try:
        text = path.read_bytes().decode("utf-8", "surrogatepass")
    except OSError:
        return []
    for line in text.splitlines():
        try:
            record = json.loads(line)
        except ValueError:
            continue  # a torn last line: the process died while appending it
        if not isinstance(record, dict):
            continue
        if "done" in record:
            ops.pop(record["done"], None)
        elif "op" in record:
            ops[record["op"]] = record
    return [ops[n] for n in sorted(ops)]

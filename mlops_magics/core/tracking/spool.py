"""The background writer's spool: what a process handed to its writer, kept on local disk until stored.

One JSON-lines file per writer, ``MLOPS_HOME/spool/writer/HOST-PID-TOKEN.jsonl``, held under an exclusive
``flock`` for the writer's whole life (the kernel drops the lock when the process dies, however it dies).
A line ``{"op": N, ...}`` is appended when an operation is handed over, ``{"done": N}`` when it is stored;
the file is emptied whenever everything is stored and removed when the writer closes with nothing
pending. An append is a plain ``write`` (no ``fsync``): it survives a ``kill -9`` of the process, not a
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


def _pid_alive(pid: int) -> bool:  # pragma: no cover - only without flock
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True
    return True


class Spool:
    """This process's spool file (created at the first append)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.path: Path | None = None
        self._fd: int | None = None
        self._size = 0
        self._lock = threading.Lock()
        self._closed = False
        self.failed = False  # an append did not reach the disk (full): that operation lives in memory only

    def _open(self) -> int:
        self.folder.mkdir(parents=True, exist_ok=True)
        name = f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:8]}"
        tmp = self.folder / f".{name}.tmp"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        _lock(fd)  # taken before the file has its listed name: no one can mistake it for a dead one
        self.path = self.folder / f"{name}.jsonl"
        os.replace(tmp, self.path)
        return fd

    def append(self, record: dict[str, Any]) -> bool:
        """Append one record; False when it could not be written (the file is left without a torn line)."""
        data = (json.dumps(record, separators=(",", ":")) + "\n").encode("utf-8", "surrogatepass")
        with self._lock:
            if self._closed:
                return False
            try:
                if self._fd is None:
                    self._fd = self._open()
                view = memoryview(data)
                while view:
                    view = view[os.write(self._fd, view):]
            except OSError:
                self.failed = True
                if self._fd is not None:
                    try:
                        os.ftruncate(self._fd, self._size)
                    except OSError:
                        pass
                return False
            self._size += len(data)
            return True

    def clear(self) -> None:
        """Everything handed over is stored: empty the file."""
        with self._lock:
            if self._fd is not None and self._size:
                try:
                    os.ftruncate(self._fd, 0)
                    self._size = 0
                except OSError:
                    pass

    def close(self, pending: bool) -> None:
        """Release the file: removed when nothing is ``pending``, else left for the next start to replay."""
        with self._lock:
            self._closed = True
            if self._fd is None:
                return
            if not pending and self.path is not None:
                try:
                    self.path.unlink()
                except OSError:
                    pass
            os.close(self._fd)
            self._fd = None


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
            pid = path.stem.split("-")[-2]
            if pid.isdigit() and _pid_alive(int(pid)):
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

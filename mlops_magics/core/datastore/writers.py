"""Writer sessions: who may write objects into the store, and whose temp files are abandoned.

Every operation that writes objects (``add``, ``pull``) runs inside :func:`writing`. It registers
while holding the gc gate (``locks/gc.lock``), then holds its own lock ``writers/ID.lock`` until it
ends; its temp files in ``tmp/`` are named ``ID.<random>``. So:

* a temp file whose writer's lock nobody holds is provably abandoned (its writer finished or was
  killed: the kernel dropped the lock) and the next writer or ``gc`` removes it;
* ``gc`` holds the gate for its whole run and waits for every registered writer to finish before it
  decides what is unreferenced, so it never deletes an object that an add in flight relies on.

One session per store and process, shared by nested operations and worker threads (reference
counted): worker threads name their temp files through :func:`current_session`.
"""

from __future__ import annotations

import os
import shutil
import threading
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from .atomic import temp_path
from .locking import file_lock, try_lock
from .paths import StorePaths

__all__ = ["WriterSession", "clean_abandoned", "current_session", "writing"]

GATE_WAIT_S = 600.0  # how long a writer waits for a running gc before giving up
_guard = threading.Lock()
_sessions: dict[Path, list] = {}  # tmp dir -> [session, lock, users]


@dataclass
class WriterSession:
    """A registered writer: its id names its temp files."""

    paths: StorePaths
    id: str

    def temp(self) -> Path:
        """A fresh empty temp file owned by this writer."""
        return temp_path(self.paths.tmp, prefix=f"{self.id}.")


def _new_id() -> str:
    return f"w{os.getpid()}-{os.urandom(4).hex()}"


def _remove(path: Path, dry_run: bool = False) -> int:
    """Remove a file or folder; returns the bytes it held (0 if it was already gone)."""
    try:
        if path.is_dir() and not path.is_symlink():
            size = sum(p.lstat().st_size for p in path.rglob("*") if p.is_file())
            if not dry_run:
                shutil.rmtree(path, ignore_errors=True)
            return size
        size = path.lstat().st_size
        if not dry_run:
            path.unlink()
        return size
    except FileNotFoundError:
        return 0


def _legacy_owner_dead(name: str) -> bool:
    """Temp names from before writer sessions (``.tmp-PID-HEX``, ``.view-PID-HEX``): is PID gone?"""
    try:
        pid = int(name.rsplit("-", 2)[-2])
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except (ValueError, IndexError, OSError):
        return False
    return False


def clean_abandoned(paths: StorePaths, keep: str | None = None, wait: bool = False,
                    dry_run: bool = False) -> tuple[int, int]:
    """Remove temp files of writers that are gone; returns ``(files, bytes)`` removed.

    ``wait=True`` (gc, under the gate) waits for running writers to finish instead of skipping them;
    ``dry_run=True`` only counts.
    """
    files = freed = 0
    live: set[str] = set()
    for lock_path in sorted(paths.writers.glob("*.lock")) if paths.writers.is_dir() else []:
        wid = lock_path.name[: -len(".lock")]
        if wid == keep:
            live.add(wid)
            continue
        lock = try_lock(lock_path, timeout=-1 if wait else 0)
        if lock is None:
            live.add(wid)
            continue
        try:
            for tmp in paths.tmp.glob(f"{wid}.*"):
                freed += _remove(tmp, dry_run)
                files += 1
            if not dry_run:
                lock_path.unlink(missing_ok=True)
        finally:
            lock.release()
        if dry_run:
            live.add(wid)  # counted above; the sweep below must not count its files again
    for tmp in paths.tmp.iterdir() if paths.tmp.is_dir() else []:
        owner = tmp.name.split(".", 1)[0]
        if owner.startswith("w") and "." in tmp.name:
            if owner not in live and not (paths.writers / f"{owner}.lock").exists():
                freed += _remove(tmp, dry_run)  # its writer's lock file is gone: the writer ended without cleaning
                files += 1
        elif tmp.name.startswith(".") and _legacy_owner_dead(tmp.name):
            freed += _remove(tmp, dry_run)
            files += 1
    return files, freed


def current_session(tmp: Path) -> WriterSession | None:
    """The running writer session of the store whose temp folder is ``tmp`` (any thread), or None."""
    entry = _sessions.get(tmp)
    return entry[0] if entry else None


def _register(paths: StorePaths) -> WriterSession:
    with _guard:
        entry = _sessions.get(paths.tmp)
        if entry is not None:
            entry[2] += 1
            return entry[0]
        paths.ensure()
        wid = _new_id()
        lock_path = paths.writers / f"{wid}.lock"
        busy = "the data store is being garbage-collected ('data gc'); try again when it has finished"
        with file_lock(paths.gate, timeout=GATE_WAIT_S, busy=busy):
            lock = try_lock(lock_path)
            if lock is None:  # pragma: no cover - a fresh random id
                raise RuntimeError(f"writer lock {lock_path} is taken")
            # under the gate: no other writer is half-way through taking its lock, so an unheld lock
            # really is a dead writer's
            clean_abandoned(paths, keep=wid)
        session = WriterSession(paths, wid)
        _sessions[paths.tmp] = [session, lock, 1]
        return session


def _unregister(paths: StorePaths) -> None:
    with _guard:
        entry = _sessions[paths.tmp]
        entry[2] -= 1
        if entry[2]:
            return
        del _sessions[paths.tmp]
    session, lock, _ = entry
    for tmp in paths.tmp.glob(f"{session.id}.*"):  # normally none: each write cleans up after itself
        _remove(tmp)
    (paths.writers / f"{session.id}.lock").unlink(missing_ok=True)
    lock.release()


@contextmanager
def writing(paths: StorePaths) -> Iterator[WriterSession]:
    """Run the block as a registered writer (see the module docstring)."""
    session = _register(paths)
    try:
        yield session
    finally:
        _unregister(paths)

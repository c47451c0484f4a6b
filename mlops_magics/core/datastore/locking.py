"""Exclusive inter-process locks on small lock files (the ``filelock`` package, ``flock`` underneath).

The kernel releases a lock when its holder dies, so a killed writer never leaves it held. ``filelock``
is imported on first use: the unchanged-file path of ``data add`` takes no lock and must start fast.
"""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

from ..errors import StoreError

__all__ = ["file_lock", "try_lock"]

POLL_S = 0.005  # filelock polls a contended lock; small, so waiting writers follow each other closely


def _lock(path: Path) -> Any:
    from filelock import FileLock

    path.parent.mkdir(parents=True, exist_ok=True)
    return FileLock(str(path), thread_local=False)


@contextmanager
def file_lock(path: Path, timeout: float | None = None, busy: str = "") -> Iterator[None]:
    """Hold an exclusive lock on ``path`` (created if missing) for the ``with`` block.

    ``timeout`` (seconds) bounds the wait; then a StoreError says ``busy`` (what holds it and what to do).
    """
    from filelock import Timeout

    lock = _lock(path)
    try:
        lock.acquire(timeout=-1 if timeout is None else timeout, poll_interval=POLL_S)
    except Timeout:
        raise StoreError(busy or f"{path} stays locked by another process; try again later") from None
    try:
        yield
    finally:
        lock.release()


def try_lock(path: Path, timeout: float = 0) -> Any | None:
    """The held lock on ``path`` (the caller releases it), or None if it stayed taken for ``timeout`` s.

    ``timeout=0`` never waits; a negative timeout waits as long as it takes.
    """
    from filelock import Timeout

    lock = _lock(path)
    try:
        lock.acquire(timeout=timeout, poll_interval=POLL_S)
    except Timeout:
        return None
    return lock

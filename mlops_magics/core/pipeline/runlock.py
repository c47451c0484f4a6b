"""One execution of a pipeline at a time, across processes.

Two ``mlops run`` of one pipeline at once would write the same outputs and the same lock file: the
lock file could end up recording one run's parameters for the other run's outputs, and a later run
would serve a stale output as cached. So an execution holds an OS file lock (``filelock``: released
by the OS when the process dies, so it never goes stale) on ``.<pipeline file>.running`` beside the
pipeline file for its whole duration; a second one waits for it, saying so. Dry runs and ``status``
only read, and take no lock.
"""

from __future__ import annotations

import contextlib
import os
import socket
import threading
import time
from pathlib import Path
from typing import Any, Callable, Iterator

from ..errors import MlopsUsageError

__all__ = ["POLL_S", "holding", "lock_path"]

POLL_S = 0.25  # how often a waiting execution checks its cancel event


def lock_path(pipeline: Path) -> Path:
    """``notebooks/churn/pipeline.yaml`` -> ``notebooks/churn/.pipeline.yaml.running``."""
    return pipeline.with_name(f".{pipeline.name}.running")


def _holder(path: Path) -> str:
    """Who holds the lock, as its holder wrote it (best effort: empty when unknown)."""
    try:
        return path.read_text(encoding="utf-8").strip()
    except OSError:
        return ""


def _try(lock: Any, timeout: float, path: Path) -> bool:
    """Acquire within ``timeout`` seconds; False when another process holds the lock."""
    from filelock import Timeout

    try:
        lock.acquire(timeout=timeout)
        return True
    except Timeout:  # (an OSError too: caught first)
        return False
    except OSError as exc:
        raise MlopsUsageError(f"cannot create the run lock {path} ({exc.strerror or exc}); a pipeline runs "
                              "in a folder it can write to (its outputs and lock file go there)") from None


@contextlib.contextmanager
def holding(pipeline: Path, on_wait: Callable[[str], None] | None = None,
            cancel: threading.Event | None = None) -> Iterator[None]:
    """Hold the pipeline's run lock; if another execution holds it, call ``on_wait(message)`` once and
    wait (Ctrl-C, or setting ``cancel``, raises ``KeyboardInterrupt`` while waiting)."""
    from filelock import FileLock

    path = lock_path(pipeline)
    lock = FileLock(str(path))
    holder = _holder(path)  # read before trying: older filelock versions truncate the file on each try
    if not _try(lock, 0, path):
        if on_wait is not None:
            who = f" ({holder})" if holder else ""
            on_wait(f"another run of this pipeline is in progress{who}; waiting for it to finish "
                    f"(lock: {path})")
        while not _try(lock, POLL_S, path):
            if cancel is not None and cancel.is_set():
                raise KeyboardInterrupt("cancelled while waiting for another run of the pipeline")
    try:
        with contextlib.suppress(OSError):
            path.write_text(f"pid {os.getpid()} on {socket.gethostname()}, since "
                            f"{time.strftime('%H:%M:%S')}\n", encoding="utf-8")
        yield
    finally:
        lock.release()

"""Progress of long operations (add, push, pull, checkout, gc) as plain events: counts and bytes.

Core never draws anything: it calls the ``progress`` callable a face passed in (for example
:class:`mlops_magics.progress.TqdmProgress`) with a :class:`Progress` after each step, and once
more with ``done=True``. Calls may come from worker threads; they are serialised here.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Callable, Optional

__all__ = ["Meter", "Progress", "ProgressFn"]


@dataclass(frozen=True)
class Progress:
    """One progress report: ``items`` of ``items_total`` (chunks, objects, files) and bytes likewise."""

    stage: str  # "add", "push", "pull", "checkout", "gc"
    label: str  # what is being worked on ("big.bin", "train@v3", "s3://bucket/data")
    items: int
    items_total: Optional[int]
    bytes: int
    bytes_total: Optional[int]
    done: bool = False


ProgressFn = Callable[[Progress], None]


class Meter:
    """Counts work for one stage and reports it to ``fn`` (a no-op when ``fn`` is None)."""

    def __init__(self, fn: ProgressFn | None, stage: str, label: str = "", items_total: int | None = None,
                 bytes_total: int | None = None) -> None:
        self.fn = fn
        self.stage, self.label = stage, label
        self.items_total, self.bytes_total = items_total, bytes_total
        self.items = self.bytes = 0
        self._lock = threading.Lock()
        self._closed = False
        self._emit()

    def _emit(self, done: bool = False) -> None:
        if self.fn is not None:
            self.fn(Progress(self.stage, self.label, self.items, self.items_total, self.bytes, self.bytes_total,
                             done))

    def total(self, items: int | None = None, nbytes: int | None = None) -> None:
        """Set (or correct) the totals once they are known."""
        with self._lock:
            if items is not None:
                self.items_total = items
            if nbytes is not None:
                self.bytes_total = nbytes
            self._emit()

    def advance(self, items: int = 1, nbytes: int = 0) -> None:
        with self._lock:
            self.items += items
            self.bytes += nbytes
            self._emit()

    def close(self) -> None:
        """The final report (``done=True``); idempotent."""
        with self._lock:
            if not self._closed:
                self._closed = True
                self._emit(done=True)

    def __enter__(self) -> Meter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

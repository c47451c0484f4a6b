"""A rolling window of recent request rows, scored against the served version's reference summary.

The observer thread appends each batch of rows (no copy); a separate thread recomputes drift when the
window gained ``every_rows`` rows or ``every_seconds`` passed since the last computation (and new rows
came), never more often than every ``MIN_GAP`` seconds, so the request path never waits for the drift
engine and heavy traffic does not make it compute all the time. Memory is bounded by ``max_rows`` rows.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from typing import Any, Callable

__all__ = ["DriftWindow"]

log = logging.getLogger("mlops_magics.serving")

MIN_ROWS = 30  # fewer rows say nothing about a distribution
MIN_GAP = 5.0  # seconds between two computations at most traffic: drift costs a bounded share of the CPU
COMPACT_FRAMES = 64  # many one-row frames are merged: a DataFrame object costs kilobytes


class DriftWindow:
    """The last ``max_rows`` rows, and when their drift is due again."""

    def __init__(self, max_rows: int, every_rows: int, every_seconds: float) -> None:
        self.max_rows = max_rows
        self.every_rows = every_rows
        self.every_seconds = every_seconds
        self._frames: deque[Any] = deque()
        self._rows = 0
        self._new = 0
        self._last = time.monotonic()
        self._lock = threading.Lock()
        self._dirty = False  # the reference changed: recompute even without new rows

    @property
    def rows(self) -> int:
        return self._rows

    def add(self, frame: Any) -> None:
        """Append rows (a DataFrame); the oldest fall out beyond ``max_rows``."""
        n = len(frame)
        if n == 0:
            return
        with self._lock:
            if n >= self.max_rows:
                self._frames.clear()
                self._rows = 0
                frame = frame.iloc[-self.max_rows:]
                n = len(frame)
            self._frames.append(frame)
            self._rows += n
            self._new += n
            excess = self._rows - self.max_rows
            while excess > 0:
                first = self._frames[0]
                if len(first) <= excess:
                    self._frames.popleft()
                    cut = len(first)
                else:
                    self._frames[0] = first.iloc[excess:]
                    cut = excess
                self._rows -= cut
                excess -= cut
            if len(self._frames) > COMPACT_FRAMES:
                self._compact()

    def _compact(self) -> None:
        import pandas as pd

        merged = pd.concat(list(self._frames), ignore_index=True, copy=False)
        if len(merged) > self.max_rows:
            merged = merged.iloc[-self.max_rows:].reset_index(drop=True)
        self._frames.clear()
        self._frames.append(merged)
        self._rows = len(merged)

    def mark_dirty(self) -> None:
        """The reference changed (a new version): recompute at the next check."""
        self._dirty = True

    def due(self, now: float | None = None) -> bool:
        now = time.monotonic() if now is None else now
        if self._rows < MIN_ROWS or now - self._last < min(MIN_GAP, self.every_seconds):
            return False
        if self._dirty or self._new >= self.every_rows:
            return True
        return self._new > 0 and now - self._last >= self.every_seconds

    def snapshot(self) -> Any:
        """The window's rows as one DataFrame (the newest ``max_rows``); resets the due counters."""
        import pandas as pd

        with self._lock:
            frames = list(self._frames)
            self._new = 0
            self._dirty = False
            self._last = time.monotonic()
        window = pd.concat(frames, ignore_index=True, copy=False) if len(frames) > 1 else frames[0]
        return window.iloc[-self.max_rows:] if len(window) > self.max_rows else window

    def run(self, reference: Callable[[], Any], publish: Callable[[Any, int], None], stop: threading.Event,
            tick: float = 0.5) -> None:
        """Thread body: while not stopped, score the window against ``reference()`` when due."""
        from ..drift.compare import compare

        failed_once = False
        while not stop.wait(tick):
            ref = reference()
            if ref is None or not self.due():
                continue
            window = self.snapshot()
            try:
                result = compare(ref, window, reference_label="reference", current_label="recent requests",
                                 workers=1)
            except Exception as exc:  # noqa: BLE001 - drift must never stop the server; say it once
                if not failed_once:
                    log.warning("drift not computed on the recent requests: %s", str(exc).splitlines()[0][:300])
                    failed_once = True
                continue
            publish(result, len(window))

"""The shadow: every scored batch is also scored by another alias's model, off the response path.

Its own thread and bounded queue: a slow shadow never delays a response or the observer; when the
queue is full the batch goes on to capture without shadow predictions (counted as dropped).
Agreement with the model that answered is counted per row.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from typing import Any, Callable

from .observer import Batch
from .predictions import agreement, as_columns, first_column
from .slots import ModelSlot

__all__ = ["ShadowScorer"]

log = logging.getLogger("mlops_magics.serving")

MAX_BATCHES = 64


class ShadowScorer:
    """Scores batches with the shadow slot's model and hands them on (to capture)."""

    def __init__(self, slot: ModelSlot, metrics: Any, downstream: Callable[[Batch], None] | None = None) -> None:
        self.slot = slot
        self.metrics = metrics
        self.downstream = downstream
        self._queue: queue.Queue[Batch | None] = queue.Queue(MAX_BATCHES)
        self._thread: threading.Thread | None = None
        self._warned = False

    def start(self) -> "ShadowScorer":
        self._thread = threading.Thread(target=self._loop, name="mlops-shadow", daemon=True)
        self._thread.start()
        return self

    def close(self, timeout: float = 60.0) -> None:
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join(timeout)

    def submit(self, batch: Batch) -> None:
        """From the observer: never blocks."""
        try:
            self._queue.put_nowait(batch)
        except queue.Full:
            self.metrics.shadow_dropped.inc(len(batch.items))
            if self.downstream is not None:
                self.downstream(batch)

    def _loop(self) -> None:
        while True:
            batch = self._queue.get()
            if batch is None:
                return
            try:
                self.score(batch)
            except Exception:  # noqa: BLE001 - the shadow must never stop the server
                log.exception("shadow scoring failed")
            if self.downstream is not None:
                self.downstream(batch)

    def score(self, batch: Batch) -> None:
        """Add the shadow's predictions to ``batch`` and count agreement (per answering version)."""
        loaded = self.slot.current
        if loaded is None or not batch.frames:
            return
        started = time.perf_counter()
        try:
            raw = loaded.model.predict(batch.frame)
        except Exception as exc:  # noqa: BLE001 - a shadow that cannot score this input: counted, logged once
            self.metrics.shadow_errors.inc(len(batch.items))
            if not self._warned:
                log.warning("shadow %s v%s could not score a batch: %s", self.slot.source.label, loaded.version,
                            str(exc).splitlines()[0][:300] if str(exc) else type(exc).__name__)
                self._warned = True
            return
        self.metrics.shadow_latency.observe(time.perf_counter() - started)
        shadow = first_column(as_columns(raw, len(batch.frame)))
        if shadow is None:
            return
        batch.shadow, batch.shadow_version = shadow, loaded.version
        primary = first_column(batch.predictions)
        totals: dict[str, list[int]] = {}
        offset = 0
        for item, n in zip(batch.items, batch.rows):
            if not n:
                continue
            t = totals.setdefault(item.version, [0, 0])
            t[0] += n
            if primary is not None:
                t[1] += agreement(primary[offset:offset + n], shadow[offset:offset + n])
            offset += n
        for version, (rows, agree) in totals.items():
            self.metrics.shadow_rows.labels(version, loaded.version).inc(rows)
            self.metrics.shadow_agree.labels(version, loaded.version).inc(agree)

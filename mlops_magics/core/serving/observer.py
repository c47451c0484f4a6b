"""Everything done with a scored request after its response was sent, in a background thread.

The request path only puts a :class:`Scored` record on a bounded queue. The observer takes whatever
has accumulated as one batch and feeds: the rows and prediction metrics (per answering version), the
drift window, then either the shadow scorer (which adds the shadow's predictions and passes the batch
on) or straight the capture writer. Under load, batches grow and the per-request cost shrinks.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

from ..backend.traffic import MODEL_ALIAS, MODEL_VERSION, REQUEST_ID, SHADOW_PREDICTION, SHADOW_VERSION, TIMESTAMP
from .chunks import CaptureChunk
from .predictions import as_columns, first_column, kind_of, to_frame

__all__ = ["Batch", "Observer", "Scored"]

log = logging.getLogger("mlops_magics.serving")

SMALL_ROWS = 32  # frames averaging fewer rows are merged per batch
MAX_QUEUE = 10_000
MAX_BATCH = 2_000
BATCH_WAIT = 0.2


@dataclass
class Scored:
    """One answered request: its id, when, which alias/version answered, its rows and predictions."""

    request_id: str
    timestamp: float
    alias: str
    version: str
    data: Any
    predictions: Any


@dataclass
class Batch:
    """Requests observed together: their input frames, prediction columns and per-row metadata."""

    frames: list[Any]  # input frames of the tabular items, in order (small ones merged into one)
    items: list[Scored]
    rows: list[int]  # rows per item (0 for a non-tabular item)
    predictions: dict[str, np.ndarray] | None  # prediction columns, one value per row of ``frames``
    shadow: np.ndarray | None = None
    shadow_version: str | None = None
    _frame: Any = field(default=None, repr=False)

    @property
    def frame(self) -> Any:
        """The input rows as one DataFrame (concatenated on first use), or None."""
        if self._frame is None and self.frames:
            import pandas as pd

            self._frame = self.frames[0] if len(self.frames) == 1 else pd.concat(self.frames, ignore_index=True,
                                                                                  copy=False)
        return self._frame

    def capture_chunk(self) -> CaptureChunk:
        """Input rows + ``_prediction*`` + ``_model_version``, ``_model_alias``, ``_request_id``, ``_timestamp``
        (+ ``_shadow_prediction``, ``_shadow_version``), as a chunk (assembled once per partition)."""
        tab = [(it, n) for it, n in zip(self.items, self.rows) if n]
        counts = [n for _, n in tab]
        total = sum(counts)
        columns = dict(self.predictions or {})

        def per_row(values: list[Any], dtype: Any = object) -> np.ndarray:
            return np.repeat(np.array(values, dtype=dtype), counts)

        columns[MODEL_VERSION] = per_row([it.version for it, _ in tab])
        columns[MODEL_ALIAS] = per_row([it.alias for it, _ in tab])
        columns[REQUEST_ID] = per_row([it.request_id for it, _ in tab])
        columns[TIMESTAMP] = per_row([it.timestamp for it, _ in tab], float)
        if self.shadow is not None:
            columns[SHADOW_PREDICTION] = self.shadow
            columns[SHADOW_VERSION] = np.full(total, self.shadow_version, dtype=object)
        return CaptureChunk(list(self.frames), columns, total)


def _merge_predictions(cols: list[dict[str, np.ndarray]]) -> dict[str, np.ndarray] | None:
    names = list(cols[0])
    if any(list(c) != names for c in cols):
        return None  # different output shapes: keep the rows, leave predictions out of this batch
    try:
        return {n: np.concatenate([c[n] for c in cols]) for n in names}
    except (ValueError, TypeError):
        return None


def make_batch(items: list[Scored]) -> Batch:
    """The tabular requests' frames; small ones (a few rows each) are merged once here, so that later
    steps handle a few frames per batch, not one per request; large ones are kept as they are (no copy)."""
    import pandas as pd

    frames, cols, rows = [], [], []
    for it in items:
        frame = to_frame(it.data)
        pred = as_columns(it.predictions, len(frame)) if frame is not None else None
        if frame is None or pred is None or len(frame) == 0:
            rows.append(0)
            continue
        frames.append(frame)
        cols.append(pred)
        rows.append(len(frame))
    if not frames:
        return Batch([], items, rows, None)
    if len(frames) > 1 and sum(len(f) for f in frames) < SMALL_ROWS * len(frames):
        frames = [pd.concat(frames, ignore_index=True, copy=False)]
    return Batch(frames, items, rows, _merge_predictions(cols))


class Observer:
    """The bounded queue and the thread that turns scored requests into metrics, drift rows and captures."""

    def __init__(self, metrics: Any, window: Any = None, downstream: Callable[[Batch], None] | None = None) -> None:
        self.metrics = metrics
        self.window = window
        self.downstream = downstream
        self._queue: queue.Queue[Scored | None] = queue.Queue(MAX_QUEUE)
        self._thread: threading.Thread | None = None
        self._kinds: dict[str, str | None] = {}

    def submit(self, item: Scored) -> None:
        """From the request path: never blocks; a full queue drops the item (counted)."""
        try:
            self._queue.put_nowait(item)
        except queue.Full:
            self.metrics.observer_dropped.inc()

    def start(self) -> "Observer":
        self._thread = threading.Thread(target=self._loop, name="mlops-observer", daemon=True)
        self._thread.start()
        return self

    def close(self, timeout: float = 30.0) -> None:
        """Process what is queued, then stop."""
        if self._thread is None:
            return
        self._queue.put(None)
        self._thread.join(timeout)

    def _loop(self) -> None:
        while True:
            first = self._queue.get()
            items = [] if first is None else [first]
            done = first is None
            if not done:
                # let a batch gather: pandas costs per call, not per row, so one concat for the requests of
                # BATCH_WAIT seconds costs a fraction of one per request (metrics lag by at most that much)
                time.sleep(BATCH_WAIT)
            while len(items) < MAX_BATCH:
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
                if item is None:
                    done = True
                    break
                items.append(item)
            if items:
                try:
                    self.process(items)
                except Exception:  # noqa: BLE001 - never let one odd batch stop the observer
                    log.exception("could not observe a batch of %d requests", len(items))
            if done:
                return

    def process(self, items: list[Scored]) -> Batch:
        """Metrics, drift window and downstream for one batch (the thread body; callable in tests)."""
        batch = make_batch(items)
        self._count(batch)
        if batch.frames:
            if self.window is not None:
                for frame in batch.frames:
                    self.window.add(frame)
            if self.downstream is not None:
                self.downstream(batch)
        return batch

    def _count(self, batch: Batch) -> None:
        by_version: dict[str, list[int]] = {}
        for i, it in enumerate(batch.items):
            by_version.setdefault(it.version, []).append(i)
        offsets = np.concatenate([[0], np.cumsum(batch.rows)])
        values = first_column(batch.predictions)
        for version, idx in by_version.items():
            rows = int(sum(batch.rows[i] for i in idx))
            if rows == 0:
                # not tabular: count its rows if the input has a length
                rows = sum(len(batch.items[i].data) for i in idx if hasattr(batch.items[i].data, "__len__"))
                self.metrics.scored(version, rows, None, None)
                continue
            preds = None
            if values is not None:
                preds = values if len(by_version) == 1 else np.concatenate(
                    [values[offsets[i]:offsets[i + 1]] for i in idx])
            if self._kinds.get(version) is None and preds is not None:
                self._kinds[version] = kind_of(preds)  # decided once per version, from its first outputs
            self.metrics.scored(version, rows, preds, self._kinds.get(version))

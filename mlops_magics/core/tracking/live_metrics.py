"""The stepped metrics of a running run, as they arrive: what a live chart under a tracked cell draws.

Two sources feed one :class:`MetricSeries`. Values logged through our :class:`~.runs.RunHandle`
(``run.log_metric("loss", v, step=i)``, ``%mlops log metric loss=... --step i``) arrive through its metric
listener at once, though the handle sends them to the store in batches. Values that go straight to the
store (MLflow's autolog, the user's own ``mlflow.log_metric``) are found by a :class:`MetricWatcher`: a
daemon thread that reads the run's latest values about once a second and, for the keys whose latest
step or time changed, a sampled history (:func:`.histories.sampled_histories`).

The watcher calls ``on_change(series)`` at most every ``redraw_interval`` seconds, from its thread, in
the context (``contextvars``) of the code that started it, so a kernel routes what the callback
displays to the running cell. Nothing it does raises into the cell: errors are counted and the
watcher carries on; :meth:`MetricWatcher.stop` ends the thread and reads the store once more.
"""

from __future__ import annotations

import contextvars
import threading
import time
from typing import TYPE_CHECKING, Any, Callable

from ..errors import first_line
from .histories import MAX_POINTS, Points, latest_steps, sampled_histories

if TYPE_CHECKING:  # pragma: no cover
    from .runs import RunHandle

__all__ = ["MetricSeries", "MetricWatcher"]


class MetricSeries:
    """Points by metric key, ``step -> value`` (the last value logged at a step wins); thread-safe."""

    def __init__(self, max_points: int = MAX_POINTS) -> None:
        self.max_points = max_points
        self._points: dict[str, dict[int, float]] = {}
        self._pushed: set[str] = set()  # keys that arrive through the handle (the store lags behind)
        self._lock = threading.Lock()
        self.version = 0  # bumped on every change

    def push(self, key: str, value: float, step: int) -> None:
        """A value logged through our run handle (its metric listener)."""
        with self._lock:
            points = self._points.setdefault(key, {})
            self._pushed.add(key)
            points[int(step)] = float(value)
            if len(points) > 2 * self.max_points:
                self._points[key] = _thinned(points, self.max_points)
            self.version += 1

    def replace(self, key: str, points: Points) -> None:
        """A key's sampled history read from the store (keys pushed by the handle are left alone)."""
        with self._lock:
            if key in self._pushed:
                return
            new = dict(points)
            if self._points.get(key) != new:
                self._points[key] = new
                self.version += 1

    def pushed(self, key: str) -> bool:
        with self._lock:
            return key in self._pushed

    def snapshot(self) -> dict[str, Points]:
        """Every key's points, sorted by step, at most ``max_points`` each (first and last kept)."""
        with self._lock:
            items = list(self._points.items())
        out = {}
        for key, points in sorted(items):
            pairs = sorted(points.items())
            out[key] = pairs if len(pairs) <= self.max_points else sorted(_thinned(points, self.max_points).items())
        return out

    def stepped(self) -> bool:
        """Worth a chart: some metric has values at two or more steps."""
        with self._lock:
            return any(len(points) > 1 for points in self._points.values())


def _thinned(points: dict[int, float], keep: int) -> dict[int, float]:
    steps = sorted(points)
    stride = (len(steps) - 1) / max(keep - 1, 1)
    return {steps[round(i * stride)]: points[steps[round(i * stride)]] for i in range(keep)}


class MetricWatcher:
    """Watches one run while a cell runs; ``on_change(series)`` when there is something new to draw."""

    def __init__(self, handle: RunHandle, on_change: Callable[[MetricSeries], None], *,
                 poll_interval: float = 0.75, redraw_interval: float = 0.3) -> None:
        self.handle = handle
        self.on_change = on_change
        self.poll_interval = poll_interval
        self.redraw_interval = redraw_interval
        self.series = MetricSeries()
        self.errors: list[str] = []  # what went wrong in the thread (never raised into the cell)
        self.polls_ok = 0
        self._seen: dict[str, tuple[int, int, float]] = {}
        self._drawn = -1
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> "MetricWatcher":
        self.handle.add_metric_listener(self.series.push)
        context = contextvars.copy_context()
        self._thread = threading.Thread(target=context.run, args=(self._loop,), name="mlops-live-metrics",
                                        daemon=True)
        self._thread.start()
        return self

    def stop(self, timeout: float = 5.0) -> MetricSeries:
        """End the thread, read the store a last time; the series as it ends (no callback)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
        self.handle.remove_metric_listener(self.series.push)
        self._guarded(self.poll, "poll: ")
        return self.series

    def poll(self) -> None:
        """Read the run's latest values; re-read the sampled history of each key that moved."""
        run = self.handle.client.get_run(self.handle.run_id)
        latest = latest_steps(run)
        for key, mark in latest.items():
            if self._seen.get(key) == mark or self.series.pushed(key):
                continue
            histories = sampled_histories(self.handle.client, [self.handle.run_id], key, self.series.max_points)
            self.series.replace(key, histories.get(self.handle.run_id, []))
            self._seen[key] = mark
        self.polls_ok += 1

    def problems(self) -> list[str]:
        """What is worth telling the user: a drawing that failed, or a store that could never be read."""
        drawing = [e for e in self.errors if not e.startswith("poll: ")]
        if self.polls_ok == 0 and len(drawing) < len(self.errors):
            drawing.append(next(e for e in self.errors if e.startswith("poll: ")))
        return drawing[:3]

    def _loop(self) -> None:
        next_poll = time.monotonic() + self.poll_interval
        while not self._stop.wait(self.redraw_interval):
            if time.monotonic() >= next_poll:
                self._guarded(self.poll, "poll: ")
                next_poll = time.monotonic() + self.poll_interval
            version = self.series.version
            if version != self._drawn and self.series.stepped():
                self._drawn = version
                self._guarded(lambda: self.on_change(self.series))

    def _guarded(self, action: Callable[[], Any], what: str = "") -> None:
        try:
            action()
        except Exception as exc:  # noqa: BLE001 - the watcher never raises into the cell
            if len(self.errors) < 20:
                self.errors.append(f"{what}{type(exc).__name__}: {first_line(exc)}")

"""One server process's serving state: slots, metrics, observer, drift, shadow, capture, alias follower.

Pure logic, no ASGI: the face (:mod:`mlops_magics.modelserver`) passes ``build_app`` (MLflow's scoring
app around a loaded model), calls :meth:`ServingRuntime.start` at startup, :meth:`observe` after each
scored request and :meth:`stop` at shutdown (which flushes captured rows).
"""

from __future__ import annotations

import logging
import os
import threading
import time
from pathlib import Path
from typing import Any, Callable

from ..backend.settings import Settings, load_settings
from .drift_window import DriftWindow
from .follower import AliasFollower
from .metrics import ServingMetrics
from .observer import Batch, Observer, Scored
from .options import ServeOptions
from .slots import CANARY, PRIMARY, SHADOW, ModelSlot, Router
from .source import LoadedModel, ModelSource, current_version, load_version, parse_source, registry_client

__all__ = ["ServingRuntime", "plan_sources"]

log = logging.getLogger("mlops_magics.serving")


def plan_sources(options: ServeOptions) -> dict[str, ModelSource]:
    """The source of each role (a bare ``--shadow`` / ``--canary`` alias is one of the primary model's)."""
    primary = parse_source(options.model, options.reference)
    roles = {PRIMARY: primary}
    if options.canary:
        roles[CANARY] = parse_source(options.canary, default_name=primary.name)
    if options.shadow:
        roles[SHADOW] = parse_source(options.shadow, default_name=primary.name)
    return roles


class ServingRuntime:
    """The state behind one server process (one uvicorn worker)."""

    def __init__(self, options: ServeOptions, build_app: Callable[[LoadedModel], Any] | None = None,
                 settings: Settings | None = None) -> None:
        self.options = options
        self.settings = settings or load_settings()
        self.home = Path(options.home) if options.home else self.settings.home
        self.build_app = build_app
        self.metrics = ServingMetrics()
        self.slots = {role: ModelSlot(role, source) for role, source in plan_sources(options).items()}
        self.router = Router(self.slots[PRIMARY], self.slots.get(CANARY), options.canary_share)
        self.window = DriftWindow(options.drift_window, options.drift_every, options.drift_seconds)
        self.capture = None
        self.shadow = None
        self.observer: Observer | None = None
        self.follower: AliasFollower | None = None
        self.started_at = time.time()
        self.last_drift: dict[str, Any] | None = None
        self._client: Any = None
        self._stop = threading.Event()
        self._drift_thread: threading.Thread | None = None
        self.on_stop: list[Callable[[], None]] = []  # the face's clean-ups, run last

    # -- models ------------------------------------------------------------------------------------------
    @property
    def client(self) -> Any:
        if self._client is None:
            self._client = registry_client(self.settings)
        return self._client

    def resolve(self, source: ModelSource) -> str:
        return current_version(self.client if source.ref is not None else None, source)

    def prepare(self, source: ModelSource, version: str) -> LoadedModel:
        """Load a version completely and build the app around it, before it may answer anything."""
        loaded = load_version(self.client if source.ref is not None else None, source, version)
        if self.build_app is not None:
            loaded.app = self.build_app(loaded)
        return loaded

    def _swapped(self, slot: ModelSlot, old: LoadedModel | None, new: LoadedModel) -> None:
        self.metrics.model_loaded(slot.role, slot.source.name, slot.source.alias_label, new.version,
                                  old.version if old is not None else None, slot.swapped_at)
        if slot.role == PRIMARY:
            self.window.mark_dirty()  # a new version brings its own reference summary

    def _failed(self, slot: ModelSlot, version: str, message: str) -> None:
        self.metrics.load_failed(slot.role, version)

    def _cleared(self, slot: ModelSlot) -> None:
        self.metrics.load_error.labels(slot.role).set(0)

    # -- lifecycle ---------------------------------------------------------------------------------------
    def start(self) -> "ServingRuntime":
        """Load every role's model (any failure here stops the start) and start the background threads."""
        if any(s.source.ref is not None for s in self.slots.values()):
            import mlflow

            mlflow.set_tracking_uri(self.settings.tracking_uri)  # models:/ URIs resolve in this store
            mlflow.set_registry_uri(self.settings.registry_uri)
        for slot in self.slots.values():
            loaded = self.prepare(slot.source, self.resolve(slot.source))
            slot.swap(loaded)
            self._swapped(slot, None, loaded)
        sink: Callable[[Batch], None] | None = None
        if self.options.capture:
            from .traffic_capture import CaptureWriter

            self.capture = CaptureWriter(self.options.capture, self.home, self.options.capture_rows,
                                         self.options.capture_seconds, self.metrics).start()
            sink = self._capture_batch
        if SHADOW in self.slots:
            from .shadow import ShadowScorer

            self.shadow = ShadowScorer(self.slots[SHADOW], self.metrics, sink).start()
            sink = self.shadow.submit
        self.observer = Observer(self.metrics, self.window, sink).start()
        self.follower = AliasFollower(list(self.slots.values()), self.resolve, self.prepare, self._swapped,
                                      self._failed, self.options.poll_interval, self._cleared).start()
        self._drift_thread = threading.Thread(
            target=self.window.run, args=(self._reference, self._publish_drift, self._stop),
            name="mlops-drift", daemon=True)
        self._drift_thread.start()
        return self

    def stop(self) -> None:
        """Stop following, observe what is queued, shadow it, and store every captured row."""
        self._stop.set()
        try:
            if self.follower is not None:
                self.follower.close()
            if self.observer is not None:
                self.observer.close()
            if self.shadow is not None:
                self.shadow.close()
            if self.capture is not None:
                self.capture.close()
            if self._drift_thread is not None:
                self._drift_thread.join(5)
        finally:
            for callback in self.on_stop:
                callback()

    # -- request side ------------------------------------------------------------------------------------
    def observe(self, request_id: str, slot: ModelSlot, version: str, data: Any, predictions: Any) -> None:
        """After a successful prediction (response sent or sending): hand it to the observer thread."""
        if self.observer is not None:
            self.observer.submit(Scored(request_id, time.time(), slot.source.alias_label, version, data,
                                        predictions))

    def _capture_batch(self, batch: Batch) -> None:
        if not batch.frames or self.capture is None:
            return
        try:
            chunk = batch.capture_chunk()
        except Exception:  # noqa: BLE001 - an odd batch is not captured; counted
            log.exception("could not build the capture rows of a batch")
            self.metrics.capture_dropped.inc(sum(batch.rows))
            return
        self.capture.append(chunk)

    # -- drift -------------------------------------------------------------------------------------------
    def _reference(self) -> Any:
        current = self.slots[PRIMARY].current
        return current.reference if current is not None else None

    def _publish_drift(self, result: Any, rows: int) -> None:
        now = time.time()
        self.metrics.drift(result, rows, now)
        self.last_drift = {"dataset_drift": bool(result.dataset_drift), "drifted": result.drifted_columns,
                           "columns": int(result.n_columns), "rows": rows, "computed": now}

    # -- status ------------------------------------------------------------------------------------------
    def status(self) -> dict[str, Any]:
        """What ``/mlops/status`` answers (totals summed over every worker)."""
        def role(slot: ModelSlot) -> dict[str, Any]:
            return {"source": slot.source.label, "model": slot.source.name, "alias": slot.source.alias_label,
                    "version": slot.version, "follows": slot.source.follows, "swapped_at": slot.swapped_at,
                    "swaps": slot.swaps, "load_error": slot.load_error}

        primary = self.slots[PRIMARY]
        return {
            "pid": os.getpid(), "model": primary.source.name, "source": primary.source.label,
            "alias": primary.source.alias_label, "version": primary.version, "started": self.started_at,
            "roles": {name: role(slot) for name, slot in self.slots.items()},
            "canary_share": self.router.share, "capture": self.options.capture,
            "has_reference": self._reference() is not None, "drift": self.last_drift,
            "totals": self.metrics.totals(), "workers": self.options.workers,
        }

"""The server's Prometheus metrics (prometheus_client), in Prometheus' naming conventions.

One worker keeps them in its own registry; several workers (``--workers N``) use prometheus_client's
multiprocess mode (``PROMETHEUS_MULTIPROC_DIR`` set before the workers start): counters and histograms
are summed across workers, gauges take the live maximum (model info, swaps) or the most recent value
(drift). Every request metric carries the ``model_version`` that answered, so a canary and the primary
can be compared on live traffic.
"""

from __future__ import annotations

import math
import os
import threading
from typing import Any, Iterable

import numpy as np

__all__ = ["CONTENT_TYPE", "LATENCY_BUCKETS", "MAX_CLASSES", "OTHER_CLASS", "PREFIX", "ServingMetrics",
           "VALUE_BUCKETS", "observe_many"]

PREFIX = "mlops_serving"
LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)
_POS = (0.001, 0.01, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 10.0, 25.0, 50.0, 100.0, 1e3, 1e4, 1e5, 1e6)
VALUE_BUCKETS = tuple(-b for b in reversed(_POS)) + (0.0,) + _POS  # regression outputs of any scale and sign
MAX_CLASSES = 50  # distinct classes counted one by one; the rest share OTHER_CLASS (bounded label sets)
OTHER_CLASS = "__other__"
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


def observe_many(child: Any, values: np.ndarray) -> None:
    """Add many observations to one histogram child: one increment per bucket, not one call per value.

    prometheus_client has no bulk observe; ``Histogram.observe`` is a Python call and a lock per value,
    which at batch size 100 costs more than the model. We add each bucket's count to the child's own
    value objects (``_buckets``, ``_sum``: the attributes ``observe`` itself updates), so the result is
    identical (tests/serving/test_metrics_unit.py checks it against ``observe``).
    """
    values = np.asarray(values, dtype=float).ravel()
    values = values[~np.isnan(values)]
    if values.size == 0:
        return
    buckets = getattr(child, "_buckets", None)
    upper = getattr(child, "_upper_bounds", None)
    if buckets is None or upper is None or len(buckets) != len(upper):  # a different prometheus_client
        for v in values.tolist():
            child.observe(v)
        return
    index = np.searchsorted(np.asarray(upper, dtype=float), values, side="left")  # first bound >= value
    counts = np.bincount(index, minlength=len(upper))
    for i in np.flatnonzero(counts).tolist():
        buckets[i].inc(float(counts[i]))
    child._sum.inc(float(values.sum()))


def _class_labels(values: np.ndarray) -> tuple[list[str], np.ndarray]:
    labels, counts = np.unique(values.astype(str), return_counts=True)
    return [str(x) for x in labels], counts


class ServingMetrics:
    """Every metric of one server process (a worker); ``render()`` answers ``/metrics``."""

    def __init__(self, multiprocess: bool | None = None, value_buckets: Iterable[float] = VALUE_BUCKETS) -> None:
        from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

        self.multiprocess = bool(os.environ.get("PROMETHEUS_MULTIPROC_DIR")) if multiprocess is None else multiprocess
        # multiprocess mode: values live in files, collected at scrape time; no in-process registry
        self.registry = None if self.multiprocess else CollectorRegistry(auto_describe=True)
        reg = self.registry
        p = PREFIX
        self._lock = threading.Lock()
        self._children: dict[tuple, Any] = {}
        self._classes: dict[str, set[str]] = {}
        self._features: set[tuple[str, str]] = set()

        def gauge(name: str, doc: str, labels: tuple[str, ...] = (), mode: str = "livemax") -> Any:
            return Gauge(f"{p}_{name}", doc, labels, registry=reg, multiprocess_mode=mode)

        self.requests = Counter(f"{p}_requests", "HTTP requests by route, status code and the model version that "
                                "answered", ("route", "status", "model_version"), registry=reg)
        self.latency = Histogram(f"{p}_request_duration_seconds", "Time from request to response, by route and "
                                 "model version", ("route", "model_version"), buckets=LATENCY_BUCKETS, registry=reg)
        self.rows = Counter(f"{p}_rows", "Rows scored", ("model_version",), registry=reg)
        self.predicted_classes = Counter(f"{p}_predictions", "Predicted rows by class (classifiers)",
                                         ("model_version", "class"), registry=reg)
        self.predicted_values = Histogram(f"{p}_prediction_value", "Distribution of predicted values "
                                          "(regressors and scores)", ("model_version",),
                                          buckets=tuple(value_buckets), registry=reg)
        self.model_info = gauge("model_info", "1 for the model version a role serves now (0 once replaced)",
                                ("role", "model", "alias", "version"))
        self.model_version = gauge("model_version", "The version number a role serves now", ("role",))
        self.swap_time = gauge("model_last_swap_timestamp_seconds", "When a role's model was last loaded or "
                               "swapped in (Unix time)", ("role",))
        self.swaps = Counter(f"{p}_model_swaps", "Alias moves followed (a new version swapped in)", ("role",),
                             registry=reg)
        self.load_failures = Counter(f"{p}_model_load_failures", "Failed loads of a new version (the old one kept "
                                     "serving)", ("role", "version"), registry=reg)
        self.load_error = gauge("model_load_error", "1 while the last load of a role's new version failed",
                                ("role",))
        self.drift_psi = gauge("drift_psi", "Population stability index of each feature: recent requests vs the "
                               "served version's reference", ("feature",), "livemostrecent")
        self.drift_statistic = gauge("drift_statistic", "The drift engine's statistic per feature (its test in "
                                     "the label)", ("feature", "test"), "livemostrecent")
        self.drift_detected = gauge("drift_detected", "1 when a feature drifts (the engine's verdict)",
                                    ("feature",), "livemostrecent")
        self.dataset_drift = gauge("dataset_drift", "1 when the recent requests drift as a dataset", (),
                                   "livemostrecent")
        self.drift_rows = gauge("drift_window_rows", "Rows in the rolling drift window at the last computation",
                                (), "livemostrecent")
        self.drift_time = gauge("drift_last_computed_timestamp_seconds", "When drift was last computed", (),
                                "livemostrecent")
        self.shadow_rows = Counter(f"{p}_shadow_rows", "Rows the shadow model scored",
                                   ("model_version", "shadow_version"), registry=reg)
        self.shadow_agree = Counter(f"{p}_shadow_agreement_rows", "Rows where the shadow predicted what the "
                                    "answering model did", ("model_version", "shadow_version"), registry=reg)
        self.shadow_errors = Counter(f"{p}_shadow_errors", "Requests the shadow model failed on", (), registry=reg)
        self.shadow_dropped = Counter(f"{p}_shadow_dropped_requests", "Requests not shadowed because the shadow "
                                      "queue was full", (), registry=reg)
        self.shadow_latency = Histogram(f"{p}_shadow_duration_seconds", "Time the shadow model took per batch",
                                        (), buckets=LATENCY_BUCKETS, registry=reg)
        self.capture_rows = Counter(f"{p}_capture_rows", "Captured rows handed to the store (spooled partitions, "
                                    "each becomes a dataset version)", (), registry=reg)
        self.capture_partitions = Counter(f"{p}_capture_partitions", "Capture partitions closed and spooled "
                                          "(each becomes a dataset version)", (), registry=reg)
        self.capture_dropped = Counter(f"{p}_capture_dropped_rows", "Rows not captured (buffer full or not "
                                       "tabular)", (), registry=reg)
        self.capture_errors = Counter(f"{p}_capture_errors", "Capture partitions that could not be spooled",
                                      (), registry=reg)
        self.dataset_drift.set(math.nan)  # unknown until the first computation (0 would read "no drift")
        self.drift_time.set(math.nan)
        self.observer_dropped = Counter(f"{p}_observer_dropped_requests", "Scored requests not observed "
                                        "(metrics of rows, predictions, drift) because the queue was full", (),
                                        registry=reg)

    # -- request path -----------------------------------------------------------------------------------
    def request(self, route: str, status: int, version: str, seconds: float) -> None:
        """Count one request and its latency (children cached: a dict lookup per request)."""
        key = (route, status, version)
        pair = self._children.get(key)
        if pair is None:
            pair = (self.requests.labels(route, str(status), version), self.latency.labels(route, version))
            self._children[key] = pair
        pair[0].inc()
        pair[1].observe(seconds)

    # -- observer thread --------------------------------------------------------------------------------
    def scored(self, version: str, rows: int, predictions: np.ndarray | None, kind: str | None) -> None:
        """Rows scored by ``version`` and the distribution of its predictions (``kind``: class or value)."""
        if rows:
            self.rows.labels(version).inc(rows)
        if predictions is None or predictions.size == 0 or kind is None:
            return
        if kind == "value":
            observe_many(self.predicted_values.labels(version), predictions)
            return
        seen = self._classes.setdefault(version, set())
        labels, counts = _class_labels(predictions)
        other = 0
        for label, count in zip(labels, counts.tolist()):
            if label not in seen and len(seen) >= MAX_CLASSES:
                other += count
                continue
            seen.add(label)
            self.predicted_classes.labels(version, label).inc(count)
        if other:
            self.predicted_classes.labels(version, OTHER_CLASS).inc(other)

    def model_loaded(self, role: str, model: str, alias: str, version: str, old: str | None, when: float) -> None:
        """A role now serves ``version`` (``old`` is set to 0 in the info metric)."""
        if old is not None and old != version:
            self.model_info.labels(role, model, alias, old).set(0)
            self.swaps.labels(role).inc()
        self.model_info.labels(role, model, alias, version).set(1)
        try:
            self.model_version.labels(role).set(float(version))
        except ValueError:  # a local folder's model has no number
            self.model_version.labels(role).set(math.nan)
        self.swap_time.labels(role).set(when)
        self.load_error.labels(role).set(0)

    def load_failed(self, role: str, version: str) -> None:
        self.load_failures.labels(role, version).inc()
        self.load_error.labels(role).set(1)

    def drift(self, result: Any, window_rows: int, when: float) -> None:
        """Set the per-feature gauges from a :class:`DriftResult` (features no longer compared are removed)."""
        now: set[tuple[str, str]] = set()
        for row in result.table.to_dict(orient="records"):
            feature, test = str(row["column"]), str(row.get("test", ""))
            now.add((feature, test))
            psi = row.get("psi")
            stat = row.get("statistic")
            self.drift_psi.labels(feature).set(float(psi) if psi is not None else math.nan)
            self.drift_statistic.labels(feature, test).set(float(stat) if stat is not None else math.nan)
            self.drift_detected.labels(feature).set(1.0 if row.get("drift") else 0.0)
        with self._lock:
            gone = self._features - now
            self._features = now
        for feature, test in gone:
            for metric, labels in ((self.drift_statistic, (feature, test)), (self.drift_psi, (feature,)),
                                   (self.drift_detected, (feature,))):
                try:
                    metric.remove(*labels)
                except KeyError:
                    pass
        self.dataset_drift.set(1.0 if result.dataset_drift else 0.0)
        self.drift_rows.set(window_rows)
        self.drift_time.set(when)

    # -- scraping ---------------------------------------------------------------------------------------
    def collect_registry(self) -> Any:
        """The registry to scrape: this process's, or every worker's files merged."""
        if not self.multiprocess:
            return self.registry
        from prometheus_client import CollectorRegistry
        from prometheus_client.multiprocess import MultiProcessCollector

        merged = CollectorRegistry()
        MultiProcessCollector(merged)
        return merged

    def render(self) -> bytes:
        """The Prometheus text exposition of every metric."""
        from prometheus_client import generate_latest

        return generate_latest(self.collect_registry())

    def totals(self) -> dict[str, Any]:
        """What a status card shows, from the same samples ``/metrics`` serves (summed over workers)."""
        out: dict[str, Any] = {"requests": 0, "errors": 0, "rows": 0, "dataset_drift": None, "drifted": [],
                               "features": 0, "drift_computed": None, "capture_rows": 0, "capture_partitions": 0,
                               "shadow_rows": 0, "shadow_agreement_rows": 0, "load_error": {}}
        for family in self.collect_registry().collect():
            for s in family.samples:
                name, labels, value = s.name, s.labels, s.value
                if name == f"{PREFIX}_requests_total" and labels.get("route") == "/invocations":
                    out["requests"] += int(value)
                    if not labels.get("status", "").startswith("2"):
                        out["errors"] += int(value)
                elif name == f"{PREFIX}_rows_total":
                    out["rows"] += int(value)
                elif name == f"{PREFIX}_dataset_drift":
                    out["dataset_drift"] = bool(value) if value == value else None  # NaN: not computed yet
                elif name == f"{PREFIX}_drift_detected":
                    out["features"] += 1
                    if value:
                        out["drifted"].append(labels.get("feature"))
                elif name == f"{PREFIX}_drift_last_computed_timestamp_seconds":
                    out["drift_computed"] = value if value == value and value else None
                elif name == f"{PREFIX}_capture_rows_total":
                    out["capture_rows"] += int(value)
                elif name == f"{PREFIX}_capture_partitions_total":
                    out["capture_partitions"] += int(value)
                elif name == f"{PREFIX}_shadow_rows_total":
                    out["shadow_rows"] += int(value)
                elif name == f"{PREFIX}_shadow_agreement_rows_total":
                    out["shadow_agreement_rows"] += int(value)
                elif name == f"{PREFIX}_model_load_error":
                    out["load_error"][labels.get("role")] = bool(value)
        if not out["drift_computed"]:
            out["dataset_drift"] = None
        return out

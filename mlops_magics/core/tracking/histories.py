"""Metric histories for pictures: bounded, sampled by the store, a run's latest steps.

A run can log a million values of ``loss``; a picture needs a few hundred. MLflow's SQL stores sample a
history in SQL (``get_metric_history_bulk_interval``: evenly spaced rows, first and last kept, several
runs in one call); other stores fall back to MLflow's own sampling of the full history. Only metrics
that were logged with steps are worth a curve: :func:`stepped_keys` tells them from the run's latest
values without reading any history.
"""

from __future__ import annotations

from typing import Any, Iterable

__all__ = ["MAX_POINTS", "Points", "latest_steps", "sampled_histories", "stepped_keys"]

MAX_POINTS = 400  # per curve: a 560 px wide picture cannot show more
Points = list[tuple[int, float]]


def latest_steps(run: Any) -> dict[str, tuple[int, int, float]]:
    """``key -> (step, timestamp, value)`` of each metric's latest value in ``run`` (an MLflow Run)."""
    metrics = getattr(run.data, "_metric_objs", None)  # RunData keeps the Metric entities it was built from
    if metrics is None:  # pragma: no cover - MLflow moved it: values only, every key looks unstepped
        return {k: (0, 0, v) for k, v in run.data.metrics.items()}
    return {m.key: (int(m.step), int(m.timestamp), float(m.value)) for m in metrics}


def stepped_keys(run: Any) -> list[str]:
    """Metrics of ``run`` whose latest value was logged at a step above 0: curves, not single numbers."""
    return sorted(k for k, (step, _, _) in latest_steps(run).items() if step > 0)


def _store(client: Any) -> Any:
    tracking = getattr(client, "_tracking_client", None)
    return getattr(tracking, "store", None)


def sampled_histories(client: Any, run_ids: Iterable[str], key: str,
                      max_points: int = MAX_POINTS) -> dict[str, Points]:
    """``run_id -> [(step, value), ...]`` of metric ``key`` (at most ``max_points`` a run, sorted by
    step; the last value logged at a step wins), in one sampled query for all the runs."""
    ids = list(dict.fromkeys(run_ids))
    out: dict[str, dict[int, float]] = {r: {} for r in ids}
    store = _store(client)
    rows: list[tuple[str, Any]]
    if store is not None and hasattr(store, "get_metric_history_bulk_interval"):
        sampled = store.get_metric_history_bulk_interval(ids, key, max_points, None, None)
        rows = [(m.run_id, m) for m in sampled]
    else:  # pragma: no cover - a store without MLflow's sampling: read it all and thin it here
        rows = [(r, m) for r in ids for m in _thin(client.get_metric_history(r, key), max_points)]
    for run_id, metric in sorted(rows, key=lambda rm: (rm[1].step, rm[1].timestamp)):
        if run_id in out:
            out[run_id][int(metric.step)] = float(metric.value)
    # MLflow's generic sampling (REST stores) can return a few more: keep the bound exact
    return {r: _thin(sorted(points.items()), max_points) for r, points in out.items() if points}


def _thin(items: list[Any], max_points: int) -> list[Any]:
    if len(items) <= max_points:
        return items
    stride = (len(items) - 1) / (max_points - 1)
    return [items[round(i * stride)] for i in range(max_points)]

"""Reading the store: run tables, comparisons, the store status."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from . import notebook_runs, runs
from ..backend import session
from ..errors import MlopsUsageError, NotFound
from .reaper import reaped_runs
from .results import RunComparison, RunTable, StoreStatus

__all__ = ["compare_runs", "list_runs", "resolve_run", "store_status"]


def _experiment_ids(experiment: str | None) -> list[str]:
    client = session.client()
    if experiment:
        found = client.get_experiment_by_name(experiment)
        if found is None:
            names = [e.name for e in client.search_experiments(max_results=50)]
            raise NotFound(f"no experiment named '{experiment}'; known: {', '.join(names) or 'none'}")
        return [found.experiment_id]
    return [e.experiment_id for e in client.search_experiments(max_results=1000)]


def _order_by(sort: str | None) -> list[str]:
    if not sort:
        return ["attributes.start_time DESC"]
    direction = "ASC" if sort.startswith("-") else "DESC"
    key = sort.lstrip("+-")
    if not key or any(c in key for c in "`'\""):
        raise MlopsUsageError(f"--sort {sort}: give a metric name, '-name' for lowest first")
    return [f"metrics.`{key}` {direction}", "attributes.start_time DESC"]


def _row(run: Any) -> dict[str, Any]:
    info = run.info
    start = datetime.fromtimestamp(info.start_time / 1000).strftime("%Y-%m-%d %H:%M:%S")
    duration = (info.end_time - info.start_time) / 1000 if info.end_time else None
    row: dict[str, Any] = {
        "run_id": info.run_id,
        "name": info.run_name,
        "status": info.status,
        "experiment_id": info.experiment_id,
        "start_time": start,
        "duration_s": duration,
        "parent_id": run.data.tags.get("mlflow.parentRunId"),
        "kind": run.data.tags.get("mlops.kind"),
    }
    row.update({f"metrics.{k}": v for k, v in sorted(run.data.metrics.items())})
    row.update({f"params.{k}": v for k, v in sorted(run.data.params.items())})
    return row


def list_runs(experiment: str | None = None, max_results: int = 20, sort: str | None = None) -> RunTable:
    """The newest runs (or the best by ``sort``: 'accuracy' highest first, '-rmse' lowest first)."""
    if max_results < 1:
        raise MlopsUsageError("--max must be at least 1")
    client = session.client()
    runs = client.search_runs(_experiment_ids(experiment), order_by=_order_by(sort), max_results=max_results)
    return RunTable([_row(r) for r in runs], experiment)


def resolve_run(ref: str) -> Any:
    """A run by full id, unique id prefix (8+ characters) or run name (the newest of that name)."""
    client = session.client()
    if len(ref) == 32 and all(c in "0123456789abcdef" for c in ref):
        try:
            return client.get_run(ref)
        except Exception:
            raise NotFound(f"no run with id {ref}") from None
    ids = _experiment_ids(None)
    named = client.search_runs(ids, filter_string=f"attributes.run_name = '{ref.replace(chr(39), '')}'",
                               order_by=["attributes.start_time DESC"], max_results=1)
    if named:
        return named[0]
    recent = client.search_runs(ids, max_results=1000, order_by=["attributes.start_time DESC"])
    matches = [r for r in recent if r.info.run_id.startswith(ref)]
    if len(matches) == 1:
        return matches[0]
    if len(matches) > 1:
        raise MlopsUsageError(f"run id prefix '{ref}' matches {len(matches)} runs; give more characters")
    raise NotFound(f"no run named or starting with '{ref}'; see %mlops runs")


def compare_runs(refs: list[str], show_all: bool = False) -> RunComparison:
    """Runs side by side."""
    if len(refs) < 2:
        raise MlopsUsageError("compare needs at least two runs: %mlops compare RUN RUN [RUN...]")
    runs = []
    for ref in refs:
        run = resolve_run(ref)
        runs.append({
            "run_id": run.info.run_id,
            "name": run.info.run_name,
            "status": run.info.status,
            "params": dict(run.data.params),
            "metrics": dict(run.data.metrics),
        })
    return RunComparison(runs, show_all)


def store_status() -> StoreStatus:
    """Tracking URI, store, experiment, active runs (after the warm-up, which reaps dead runs)."""
    conf = session.ready()
    active = [
        {"kind": h.kind, "name": h.name, "run_id": h.run_id, "experiment_id": h.experiment_id}
        for h in runs.active_runs()
    ]
    nb = notebook_runs.current()
    experiment = conf.experiment
    if nb is not None:
        experiment = session.client().get_experiment(nb.handle.experiment_id).name
    return StoreStatus(
        tracking_uri=conf.tracking_uri,
        store=str(conf.home) if conf.embedded else conf.tracking_uri,
        embedded=conf.embedded,
        experiment=experiment,
        active=active,
        reaped=reaped_runs(),
        ui_hint=conf.ui_hint(),
    )

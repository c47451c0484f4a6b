"""Reading the store: run tables, comparisons, the store status.

Every read goes through ``session.client()``, whose reads of runs first wait for this process's background
writer (:mod:`.writer`): a table or a comparison right after a tracked cell shows all of its values.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import Any

from . import notebook_runs, run_columns, runs
from ..backend import session
from ..errors import MlopsUsageError, NotFound
from .experiments import current_experiment_id, is_hidden
from .histories import sampled_histories, stepped_keys
from .reaper import reaped_runs
from .results import RunComparison, RunTable, StoreStatus

__all__ = ["compare_runs", "current_experiment", "list_runs", "resolve_run", "store_status"]

PAGE = 1000
MAX_CURVES = 6  # stepped metrics drawn by compare


def _experiment_ids(experiment: str | None) -> list[str]:
    """The id of ``experiment``, or of every experiment but our hidden bookkeeping ones."""
    client = session.client()
    if experiment:
        found = client.get_experiment_by_name(experiment)
        if found is None:
            names = [e.name for e in client.search_experiments(max_results=50) if not is_hidden(e)]
            raise NotFound(f"no experiment named '{experiment}'; known: {', '.join(names) or 'none'}")
        return [found.experiment_id]
    return [e.experiment_id for e in client.search_experiments(max_results=1000) if not is_hidden(e)]


def current_experiment() -> tuple[str | None, str]:
    """(id, name) of the experiment this session's runs go to: the notebook run's, the configured one
    (``MLOPS_EXPERIMENT``, pyproject), MLflow's (``mlflow.set_experiment``, env), else Default. The id
    is None when the configured experiment does not exist yet."""
    conf = session.ready()
    client = session.client()
    nb = notebook_runs.current()
    if nb is not None:
        experiment_id = nb.handle.experiment_id
    elif conf.experiment:
        found = client.get_experiment_by_name(conf.experiment)
        if found is None:
            return None, conf.experiment
        experiment_id = found.experiment_id
    else:
        experiment_id = current_experiment_id()
    try:
        return experiment_id, client.get_experiment(experiment_id).name
    except Exception:  # noqa: BLE001 - an id MLflow's env points at that does not exist
        return None, str(experiment_id)


def _order_by(sort: str | None) -> list[str]:
    if not sort:
        return ["attributes.start_time DESC"]
    direction = "ASC" if sort.startswith("-") else "DESC"
    key = sort.lstrip("+-")
    if not key or any(c in key for c in "`'\""):
        raise MlopsUsageError(f"--sort {sort}: give a metric name, '-name' for lowest first")
    return [f"metrics.`{key}` {direction}", "attributes.start_time DESC"]


def _row(run: Any, experiments: dict[str, str]) -> dict[str, Any]:
    info = run.info
    start = datetime.fromtimestamp(info.start_time / 1000).strftime("%Y-%m-%d %H:%M:%S")
    duration = (info.end_time - info.start_time) / 1000 if info.end_time else None
    row: dict[str, Any] = {
        "run_id": info.run_id,
        "name": info.run_name,
        "status": info.status,
        "experiment": experiments.get(info.experiment_id, info.experiment_id),
        "experiment_id": info.experiment_id,
        "start_time": start,
        "duration_s": duration,
        "parent_id": run.data.tags.get("mlflow.parentRunId"),
        "kind": run.data.tags.get("mlops.kind"),
    }
    row.update({f"metrics.{k}": v for k, v in sorted(run.data.metrics.items())})
    row.update({f"params.{k}": v for k, v in sorted(run.data.params.items())})
    return row


def _search(client: Any, ids: list[str], order_by: list[str], max_results: int) -> list[Any]:
    """Up to ``max_results`` runs, a page of at most 1000 at a time (MLflow caps one call)."""
    out: list[Any] = []
    token = None
    while ids and len(out) < max_results:
        page = client.search_runs(ids, order_by=order_by, max_results=min(PAGE, max_results - len(out)),
                                  page_token=token)
        out += page
        token = page.token
        if not token:
            break
    return out


def list_runs(experiment: str | None = None, max_results: int = 20, sort: str | None = None,
              columns: list[str] | None = None, all_experiments: bool = False) -> RunTable:
    """The newest runs (or the best by ``sort``: 'accuracy' highest first, '-rmse' lowest first) of
    ``experiment``, of every experiment with ``all_experiments``, else of the current experiment.

    ``columns`` (``--columns``) picks what the table shows; its DataFrame always has every column.
    """
    if max_results < 1:
        raise MlopsUsageError("--max must be at least 1")
    if experiment and all_experiments:
        raise MlopsUsageError("give --experiment NAME or --all-experiments, not both")
    client = session.client()
    if all_experiments:
        found = [e for e in client.search_experiments(max_results=1000) if not is_hidden(e)]
        names = {e.experiment_id: e.name for e in found}
        title = None
    elif experiment:
        ids = _experiment_ids(experiment)
        names, title = {ids[0]: experiment}, experiment
    else:
        current_id, title = current_experiment()
        names = {current_id: title} if current_id is not None else {}
    rows = [_row(r, names) for r in _search(client, list(names), _order_by(sort), max_results)]
    chosen = run_columns.resolve_columns(rows, columns) if columns else None
    return RunTable(rows, title, chosen, sort)


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


def compare_runs(refs: list[str], show_all: bool = False, curves: bool = True) -> RunComparison:
    """Runs side by side; with ``curves``, the sampled histories of the metrics logged with steps
    (at most :data:`MAX_CURVES` metrics, those most runs have first)."""
    if len(refs) < 2:
        raise MlopsUsageError("compare needs at least two runs: %mlops compare RUN RUN [RUN...]")
    runs, found = [], []
    for ref in refs:
        run = resolve_run(ref)
        if any(r.info.run_id == run.info.run_id for r in found):
            raise MlopsUsageError(f"'{ref}' names run {run.info.run_id} a second time; compare different runs")
        found.append(run)
        runs.append({
            "run_id": run.info.run_id,
            "name": run.info.run_name,
            "status": run.info.status,
            "params": dict(run.data.params),
            "metrics": dict(run.data.metrics),
        })
    histories = {}
    if curves:
        stepped = Counter(k for run in found for k in stepped_keys(run))
        client = session.client()
        for key, _ in sorted(stepped.items(), key=lambda kv: (-kv[1], kv[0]))[:MAX_CURVES]:
            histories[key] = sampled_histories(client, [r["run_id"] for r in runs], key)
    return RunComparison(runs, show_all, histories)


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

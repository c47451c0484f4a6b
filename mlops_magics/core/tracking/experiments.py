"""The experiments runs go to: which one (resolved once per process), created when missing, and what the
ones we create say about themselves: their kind, and whether our listings hide them.

MLflow 3's UI has two views of an experiment: the GenAI one (Overview, Traces, "Detect issues",
runs filed under "Evaluation runs") and the classic training-runs one (Runs, Models). Without its
"GenAI / Model training" switch (a feature flag, on in 3.17) the UI picks the view from the experiment
tag ``mlflow.experimentKind`` (``custom_model_development``: the training-runs view) and infers it
when the tag is missing. MLflow 3.17's UI (checked in tests/ui/test_mlflow_ui.py) ignores the tag: the switch in
its side bar decides, remembered by the browser, GenAI until the user flips it, and overridden by
``?workflowType=machine_learning`` in a page's address; so the links we print carry that parameter
(:meth:`~mlops_magics.core.backend.settings.Settings.ui_run_url`). We still tag every experiment we
create: UIs that read the tag open it right, and it records what the experiment is for.

The Default experiment (id 0) is no different in the UI. The embedded store is ours (a project's
runs land in its Default experiment unless an experiment is configured), so its Default experiment is
tagged too, once, when it has no kind yet; a tracking server's Default experiment is shared with
others and left alone.
"""

from __future__ import annotations

import os
import threading
from typing import Any

from .. import names
from ..backend import session
from ..errors import MlopsUsageError

__all__ = ["HIDDEN_TAG", "KIND_TAG", "ML_KIND", "creation_tags", "current_experiment_id", "ensure_default_kind",
           "experiment_id_for", "is_hidden"]

KIND_TAG = "mlflow.experimentKind"
ML_KIND = "custom_model_development"
HIDDEN_TAG = "mlops.hidden"  # "true": bookkeeping of ours (the alias history), left out of run listings
NOTE_TAG = "mlflow.note.content"  # the experiment's description in the UI

_done: set[str] = set()
_lock = threading.Lock()
_experiments: dict[tuple[str, str], str] = {}  # (tracking URI, name) -> id, resolved once per process
_default_experiment: str | None = None  # MLflow's default-experiment providers' answer (asked once)


def creation_tags(hidden: bool = False, description: str | None = None) -> dict[str, str]:
    """The tags an experiment we create starts with."""
    out = {KIND_TAG: ML_KIND}
    if hidden:
        out[HIDDEN_TAG] = "true"
    if description:
        out[NOTE_TAG] = description
    return out


def is_hidden(experiment: Any) -> bool:
    """True for an experiment our listings leave out (its runs are not training runs)."""
    return str((getattr(experiment, "tags", None) or {}).get(HIDDEN_TAG, "")).lower() == "true"


def ensure_default_kind(client: Any, tracking_uri: str) -> None:
    """Tag the embedded store's Default experiment as model development, once, unless it has a kind."""
    if tracking_uri in _done:
        return
    with _lock:
        if tracking_uri in _done:
            return
        try:
            default = client.get_experiment("0")
            if KIND_TAG not in (default.tags or {}):
                client.set_experiment_tag("0", KIND_TAG, ML_KIND)
        except Exception:  # noqa: BLE001 - a label for the UI: never worth failing a run over
            pass
        _done.add(tracking_uri)


def current_experiment_id() -> str:
    """The experiment MLflow's fluent API would use (``mlflow.set_experiment``, env), else Default.

    MLflow asks its default-experiment providers (Databricks notebook or job, ...) every time, trying to
    import their modules (about 0.3 ms); their answer depends on where the process runs, so it is asked
    once per process here.
    """
    global _default_experiment
    try:
        from mlflow.tracking import fluent  # no public getter exists

        if getattr(fluent, "_active_experiment_id", None):
            return fluent._active_experiment_id
        if os.environ.get("MLFLOW_EXPERIMENT_NAME") or os.environ.get("MLFLOW_EXPERIMENT_ID"):
            return fluent._get_experiment_id() or "0"
        if _default_experiment is None:
            _default_experiment = fluent._get_experiment_id() or "0"
        return _default_experiment
    except (ImportError, AttributeError):  # pragma: no cover - guards against MLflow moving it
        return os.environ.get("MLFLOW_EXPERIMENT_ID", "0")


def experiment_id_for(name: str | None, *, hidden: bool = False, description: str | None = None) -> str:
    """The id of experiment ``name``, created when missing (artifacts under MLOPS_HOME when embedded;
    tagged by :func:`.creation_tags`: model development, ``hidden`` from our run listings)."""
    conf = session.ready()
    if not name:
        experiment_id = current_experiment_id()
        if experiment_id == "0" and conf.embedded:
            ensure_default_kind(session.client(), conf.tracking_uri)
        return experiment_id
    key = (conf.tracking_uri, name)
    if key in _experiments:
        return _experiments[key]
    client = session.client()
    experiment = client.get_experiment_by_name(name)
    if experiment is None:
        location = None
        if conf.embedded:
            location = (conf.artifact_root / names.folder_name(name)).as_uri()  # never "..", never too long
        try:
            experiment_id = client.create_experiment(
                name, artifact_location=location, tags=creation_tags(hidden, description))
        except Exception:  # created by another process meanwhile
            experiment = client.get_experiment_by_name(name)
            if experiment is None:
                raise
            experiment_id = experiment.experiment_id
    else:
        if experiment.lifecycle_stage == "deleted":
            raise MlopsUsageError(
                f"experiment '{name}' is deleted; restore it in the MLflow UI or pick another name"
            )
        experiment_id = experiment.experiment_id
    _experiments[key] = experiment_id
    return experiment_id

"""Where checks and triggers are recorded: MLflow runs in the monitoring experiment, and the alias history.

Each check is a run (kind ``monitor``) tagged with the model, alias, version, traffic and window; its
drift, quality and label measures are metrics at step N (the check's number for this model and traffic),
so MLflow's charts draw them over time. A check that triggers a retraining carries the trigger's state,
window identity and outcome as tags: the cooldown and the same-window guard read them back from here.
Every trigger is also one entry of the model's alias history (``mlops history NAME``), written by
:func:`record_trigger` through the registry's audit API.
"""

from __future__ import annotations

import hashlib
import json
import math
import tempfile
from pathlib import Path
from typing import Any, Callable

__all__ = ["CHECK_KIND", "DEFAULT_EXPERIMENT", "last_trigger", "last_trigger_in", "log_check", "monitor_key",
           "recent_checks", "record_trigger", "start_check_run"]

CHECK_KIND = "monitor"
DEFAULT_EXPERIMENT = "monitoring"
REPORT_DIR = "monitor"
HISTORY = 20  # earlier checks read back for the card's chart

TAG_KEY = "mlops.monitor.key"
TAG_MODEL = "mlops.monitor.model"
TAG_ALIAS = "mlops.monitor.alias"
TAG_VERSION = "mlops.monitor.version"
TAG_TRAFFIC = "mlops.monitor.traffic"
TAG_WINDOW = "mlops.monitor.window"
TAG_WINDOW_ID = "mlops.monitor.window_id"
TAG_SEQ = "mlops.monitor.seq"
TAG_VERDICT = "mlops.monitor.verdict"
TAG_DRIFTED = "mlops.monitor.drifted"
TAG_TRIGGER = "mlops.monitor.trigger"  # started, then promoted | not promoted | failed | cancelled; or skipped
TAG_RETRAINED = "mlops.monitor.retrained"  # "true" once a retraining started from this check
TAG_TRIGGER_AT = "mlops.monitor.trigger_at"
TAG_TRIGGER_SUMMARY = "mlops.monitor.trigger_summary"
TAG_PIPELINE_RUN = "mlops.monitor.pipeline_run"
TAG_CANDIDATE = "mlops.monitor.candidate"
MAX_TAG = 4000


def monitor_key(model: str, alias: str, traffic: str) -> str:
    """One monitor's identity: the model, alias and traffic it watches."""
    return hashlib.sha1(f"{model}\0{alias}\0{traffic}".encode()).hexdigest()[:16]


def _ids(experiment: str) -> list[str]:
    """The monitoring experiment's id (made when missing: a check run goes there next; cached per process)."""
    from ..tracking.experiments import experiment_id_for

    return [experiment_id_for(experiment)]


def recent_checks(experiment: str, key: str, limit: int = HISTORY) -> list[Any]:
    """The latest checks of one monitor (MLflow runs, newest first)."""
    from ..backend import session

    ids = _ids(experiment)
    if not ids:
        return []
    return session.client().search_runs(ids, filter_string=f"tags.`{TAG_KEY}` = '{key}'", max_results=limit,
                                        order_by=["attributes.start_time DESC"])


def last_trigger(experiment: str, model: str) -> Any:
    """The newest check of ``model`` that started a retraining (any monitor, any traffic), or None."""
    from ..backend import session

    ids = _ids(experiment)
    if not ids:
        return None
    return last_trigger_in(session.client(), ids, model)


def last_trigger_in(client: Any, experiment_ids: list[str], model: str) -> Any:
    """:func:`last_trigger` through ``client``, in these experiments (reads only)."""
    found = client.search_runs(
        experiment_ids, filter_string=f"tags.`{TAG_MODEL}` = '{model}' and tags.`{TAG_RETRAINED}` = 'true'",
        max_results=1, order_by=["attributes.start_time DESC"])
    return found[0] if found else None


def start_check_run(experiment: str, name: str, tags: dict[str, str]) -> Any:
    """The check's run: ours, kept alive by the heartbeat, never the notebook's active run."""
    from ..tracking import runs

    return runs.start_run(CHECK_KIND, experiment=experiment, run_name=name, extra_tags=tags, stacked=False)


def _plain(value: Any) -> Any:
    """JSON-safe: NaN and infinities become null, containers are walked."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def _finite(metrics: dict[str, float]) -> dict[str, float]:
    return {k: v for k, v in metrics.items() if v is not None and math.isfinite(v)}


def log_check(handle: Any, metrics: dict[str, float], step: int, documents: dict[str, Any],
              report: Callable[[], str | None] | None = None) -> None:
    """Metrics at ``step``, JSON documents and the static HTML report (built by the face) as artifacts."""
    handle.log_metrics(_finite(metrics), step=step)
    with tempfile.TemporaryDirectory(prefix="mlops-monitor-") as tmp:
        folder = Path(tmp) / REPORT_DIR
        folder.mkdir()
        for name, doc in documents.items():
            (folder / name).write_text(json.dumps(_plain(doc), default=str, allow_nan=False), encoding="utf-8")
        page = report() if report is not None else None
        if page:
            (folder / "drift_report.html").write_text(page, encoding="utf-8")
        handle.log_artifact(folder, artifact_path=REPORT_DIR)
    handle.flush()


def record_trigger(model: str, alias: str, holder: str | None, summary: str) -> Any:
    """One entry in the model's alias history for one trigger (the one call to re-point if the audit moves).

    ``from_version`` is left empty and ``to_version`` is the alias's holder after the retraining, so the
    entry never changes what ``rollback`` replays.
    """
    from ..backend import session
    from ..registry.audit import alias_lock, record_event

    client = session.client()
    with alias_lock(model):
        return record_event(client, model, alias, "retrain", None, holder, summary)


def tag_text(text: str) -> str:
    """A tag value MLflow accepts everywhere (at most a few thousand characters)."""
    return text if len(text) <= MAX_TAG else text[: MAX_TAG - 3] + "..."

"""Run lifecycle with batched logging.

A :class:`RunHandle` buffers params, metrics and tags and sends them with ``log_batch`` (MLflow's
limits: 1000 metrics, 100 params, 100 tags a call), so a cell that logs 120 values costs one round
trip instead of 120. Small text artifacts (cell source, traceback, environment) are buffered too and
uploaded with one ``log_artifacts`` call. A run always ends: :meth:`RunHandle.end` terminates it even
when the flush fails, and :func:`end_all_runs` runs at interpreter exit.

Public Python API: :class:`~.script_runs.track` (context manager and decorator, re-exported here)
and :func:`active_run`.
"""

from __future__ import annotations

import atexit
import getpass
import os
import socket
import sys
import tempfile
import threading
import time
import traceback
from pathlib import Path
from typing import Any, Callable

from .. import names
from ..backend import session, tags
from ..backend.store_errors import store_errors
from ..errors import MlopsUsageError, StoreError, first_line
from ..names import short_repr as short
from .batches import MAX_METRICS, Pending, send
from .capture import format_param
from .results import RunCard

__all__ = ["RunHandle", "active_run", "active_runs", "attach_run", "end_all_runs", "start_run", "track"]

_stack: list["RunHandle"] = []
_unstacked: list["RunHandle"] = []  # alive (heartbeat, ended at exit) but never "the active run"
_unended: list[tuple["RunHandle", str]] = []  # runs whose termination the store refused (disk full)
_stack_lock = threading.RLock()
_experiments: dict[tuple[str, str], str] = {}
_heartbeat = None


class RunHandle:
    """One active run of ours: buffered logging, then :meth:`end`."""

    def __init__(self, run_id: str, experiment_id: str, name: str, kind: str, parent_id: str | None,
                 fluent: bool, owned: bool = True) -> None:
        self.run_id = run_id
        self.owned = owned  # False when attached to a run another process started and will end
        self.experiment_id = experiment_id
        self.name = name
        self.kind = kind
        self.parent_id = parent_id
        self.fluent = fluent
        self.started = time.time()
        self.client = session.client()
        self.tracking_uri = session.settings().tracking_uri
        self.warnings: list[str] = []
        self.logged_params: dict[str, str] = {}
        self.logged_metrics: dict[str, float] = {}
        self.ended: RunCard | None = None
        self._params: dict[str, str] = {}
        self._metrics: list[Any] = []
        self._tags: dict[str, str] = {}
        self._texts: dict[str, str] = {}
        self._valid_keys: set[tuple[str, str]] = set()
        self._artifact_uri: str | None = None
        self._lock = threading.Lock()
        self._metric_listeners: list[Callable[[str, float, int], None]] = []

    def __repr__(self) -> str:
        return f"<RunHandle {self.kind} {self.name!r} {self.run_id}>"

    # -- buffered logging ------------------------------------------------------------------
    # Every key and value is checked here, in the caller's thread, when it is logged: a bad one is a
    # one-line MlopsUsageError naming it, nothing of that call is buffered, and what was buffered before
    # stays (it is sent with the next flush).
    def log_param(self, key: str, value: Any) -> None:
        self.log_params({key: value})

    def log_params(self, params: dict[str, Any]) -> None:
        """Buffer params (MLflow keeps a param's first value: a different one for a logged key is refused)."""
        limit = names.max_param_length()
        texts, cut = {}, []
        for key, value in params.items():
            key = self._key("param", key)
            text = format_param(value, sys.maxsize)
            if len(text) > limit:
                cut.append(f"param {key}: value of {len(text):,} characters cut to {limit:,} (MLflow's limit)")
                text = format_param(text, limit)
            texts[key] = text
        with self._lock:
            for key, text in texts.items():
                earlier = self._params.get(key, self.logged_params.get(key))
                if earlier is not None and earlier != text:
                    raise MlopsUsageError(
                        f"param {key} is already {short(earlier)} in this run and MLflow keeps a param's "
                        f"first value; log {short(text)} under another name or as a metric")
            self._params.update(texts)
            self.warnings.extend(cut)

    def log_metric(self, key: str, value: float, step: int | None = None) -> None:
        self.log_metrics({key: value}, step=step)

    def log_metrics(self, metrics: dict[str, float], step: int | None = None) -> None:
        """Buffer metric values (sent at the next flush, or now when 1000 are waiting)."""
        from mlflow.entities import Metric

        step = names.check_step(step)
        checked = {self._key("metric", key): names.check_metric_value(str(key), value)
                   for key, value in metrics.items()}
        now = int(time.time() * 1000)
        accepted = []
        with self._lock:
            for key, number in checked.items():
                self._metrics.append(Metric(key, number, now, step))
                self.logged_metrics[key] = number
                accepted.append((key, number, step))
            full = len(self._metrics) >= MAX_METRICS
            listeners = list(self._metric_listeners)
        for listener in listeners:
            for key, value, at in accepted:
                try:
                    listener(key, value, at)
                except Exception:  # noqa: BLE001 - a listener (the live chart) never breaks logging
                    pass
        if full:
            self.flush()

    def add_metric_listener(self, listener: Callable[[str, float, int], None]) -> None:
        """Call ``listener(key, value, step)`` for each metric accepted from now on (the live chart)."""
        with self._lock:
            self._metric_listeners.append(listener)

    def remove_metric_listener(self, listener: Callable[[str, float, int], None]) -> None:
        with self._lock:
            if listener in self._metric_listeners:
                self._metric_listeners.remove(listener)

    def set_tag(self, key: str, value: Any) -> None:
        self.set_tags({key: value})

    def set_tags(self, values: dict[str, Any]) -> None:
        checked = {self._key("tag", key): str(value) for key, value in values.items()}
        with self._lock:
            self._tags.update(checked)

    def _key(self, kind: str, key: Any) -> str:
        text = str(key)
        if (kind, text) not in self._valid_keys:  # keys repeat (a metric per step): check each once
            names.check_key(kind, text)
            self._valid_keys.add((kind, text))
        return text

    def log_text(self, text: str, artifact_file: str) -> None:
        """Buffer a small text artifact (uploaded with the next flush)."""
        with self._lock:
            self._texts[artifact_file] = text

    def log_artifact(self, local_path: str | os.PathLike, artifact_path: str | None = None) -> list[str]:
        """Upload a file or folder now (large artifacts are not worth buffering).

        Never the store: entries that are (or lead into) ``MLOPS_HOME`` or the run's own artifact
        folder are left out; their paths are returned and noted in the run card.
        """
        from .artifacts import upload

        if self._artifact_uri is None:
            with store_errors():
                self._artifact_uri = self.client.get_run(self.run_id).info.artifact_uri
        left_out = upload(self.client, self.run_id, local_path, artifact_path, self._artifact_uri)
        if left_out:
            self.warnings.append(f"left out of {local_path}: {', '.join(left_out[:5])} (the store is never "
                                 "uploaded into itself)")
        return left_out

    def flush(self) -> None:
        """Send everything buffered: one ``log_batch`` per MLflow limit, one artifact upload.

        An entry MLflow still refuses is left out and named in :attr:`warnings`, the others are stored.
        When the store fails (unreachable, disk full) the unsent values stay buffered and the error is
        raised (a full disk as a one-line StoreError).
        """
        from mlflow.entities import Param, RunTag

        with self._lock:
            params, metrics, run_tags, texts = self._params, self._metrics, self._tags, self._texts
            self._params, self._metrics, self._tags, self._texts = {}, [], {}, {}
        pending = Pending([Param(k, v) for k, v in params.items()], metrics,
                          [RunTag(k, v) for k, v in run_tags.items()])
        try:
            left_out = send(self.client, self.run_id, pending, self.warnings)
        except BaseException:
            with self._lock:  # keep what was not sent; values logged meanwhile are newer
                self._params = {**{p.key: p.value for p in pending.params}, **self._params}
                self._metrics = pending.metrics + self._metrics
                self._tags = {**{t.key: t.value for t in pending.tags}, **self._tags}
                self._texts = {**texts, **self._texts}
            raise
        refused = {p.key for p in left_out.params}
        self.logged_params.update({k: v for k, v in params.items() if k not in refused})
        for metric in left_out.metrics:
            self.logged_metrics.pop(metric.key, None)
        if texts:
            try:
                self._upload_texts(texts)
            except BaseException:
                with self._lock:
                    self._texts = {**texts, **self._texts}
                raise

    def _upload_texts(self, texts: dict[str, str]) -> None:
        with tempfile.TemporaryDirectory(prefix="mlops-artifacts-") as tmp:
            for name, text in texts.items():
                target = Path(tmp, name)
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_text(text, encoding="utf-8")
            with store_errors():
                self.client.log_artifacts(self.run_id, tmp)

    # -- the end ---------------------------------------------------------------------------
    def end(self, status: str = "FINISHED") -> RunCard:
        """Flush and terminate the run (always terminated, even if the flush fails)."""
        if self.ended is not None:
            return self.ended
        try:
            self.flush()
        except Exception as exc:  # noqa: BLE001 - shown in the run card; the run must still end
            self.warnings.append(f"some values were not logged: {first_line(exc)}")
            if status == "FINISHED":
                status = "FAILED"
        try:
            with store_errors():
                self._terminate(status)
        except BaseException:
            with _stack_lock:  # the store refused (disk full): end it when the store takes writes again
                _unended.append((self, status))
            raise
        finally:
            _pop(self)
        self.ended = RunCard.from_handle(self, status)
        _end_unended()
        return self.ended

    def _terminate(self, status: str) -> None:
        if not self.owned:
            return  # attached: the process that started the run ends it
        if self.fluent:
            import mlflow

            active = mlflow.active_run()
            if active is not None and active.info.run_id == self.run_id:
                mlflow.end_run(status=status)
                return
        self.client.set_terminated(self.run_id, status=status)


def _pop(handle: RunHandle) -> None:
    with _stack_lock:
        for group in (_stack, _unstacked):
            if handle in group:
                group.remove(handle)
        if not _stack and not _unstacked and _heartbeat is not None:
            _heartbeat.stop()


def _start_heartbeat() -> None:
    global _heartbeat
    from .reaper import Heartbeat

    if _heartbeat is None:
        _heartbeat = Heartbeat(session.client, lambda: [h.run_id for h in active_runs() + _unstacked])
    _heartbeat.start()


def _current_experiment_id() -> str:
    """The experiment MLflow's fluent API would use (``mlflow.set_experiment``, env), else Default."""
    try:
        from mlflow.tracking.fluent import _get_experiment_id  # no public getter exists

        return _get_experiment_id() or "0"
    except ImportError:  # pragma: no cover - guards against MLflow moving it
        return os.environ.get("MLFLOW_EXPERIMENT_ID", "0")


def experiment_id_for(name: str | None, *, hidden: bool = False, description: str | None = None) -> str:
    """The id of experiment ``name``, created when missing (artifacts under MLOPS_HOME when embedded;
    tagged by :func:`.experiments.creation_tags`: model development, ``hidden`` from our run listings)."""
    from . import experiments

    conf = session.ready()
    if not name:
        experiment_id = _current_experiment_id()
        if experiment_id == "0" and conf.embedded:
            experiments.ensure_default_kind(session.client(), conf.tracking_uri)
        return experiment_id
    key = (conf.tracking_uri, name)
    if key in _experiments:
        return _experiments[key]
    client = session.client()
    experiment = client.get_experiment_by_name(name)
    if experiment is None:
        location = None
        if conf.embedded:
            location = (conf.artifact_root / _safe_folder(name)).as_uri()
        try:
            experiment_id = client.create_experiment(
                name, artifact_location=location, tags=experiments.creation_tags(hidden, description))
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


def _safe_folder(name: str) -> str:
    return names.folder_name(name)  # never "..", never longer than a file name


def base_tags(kind: str, notebook: str | None = None) -> dict[str, str]:
    """Tags every run of ours carries (identity, liveness, source)."""
    values = {
        tags.CLIENT: tags.CLIENT_NAME,
        tags.KIND: kind,
        tags.HOST: socket.gethostname(),
        tags.PID: str(os.getpid()),
        tags.HEARTBEAT: f"{time.time():.0f}",
    }
    try:
        values[tags.USER] = getpass.getuser()
    except Exception:  # noqa: BLE001 - no user name in some containers
        pass
    if notebook:
        values[tags.NOTEBOOK] = notebook
        values[tags.SOURCE_NAME] = notebook
        values[tags.SOURCE_TYPE] = "NOTEBOOK"
    return values


def start_run(kind: str, *, experiment: str | None = None, run_name: str | None = None,
              parent: RunHandle | None = None, extra_tags: dict[str, str] | None = None,
              fluent: bool = False, notebook: str | None = None, stacked: bool = True) -> RunHandle:
    """Start a run of ours and push it on the active stack.

    ``stacked=False`` starts a run that is kept alive (heartbeat) and ended at exit but never
    becomes :func:`active_run` (a pipeline runner's step runs, which run side by side).

    The experiment is ``experiment`` (by name), else the parent's, else the project's configured
    one, else MLflow's current one. ``fluent`` runs are also MLflow's active run (so autolog and
    the user's own ``mlflow.log_*`` calls land in them).
    """
    import mlflow

    session.ready()
    experiment = experiment or (None if parent is not None else session.settings().experiment)
    if experiment is not None:
        names.check_experiment_name(experiment)
    if run_name is not None:
        names.check_run_name(run_name)
    run_tags = base_tags(kind, notebook)
    if parent is not None:
        run_tags[tags.PARENT] = parent.run_id
    run_tags.update({names.check_key("tag", k): str(v) for k, v in (extra_tags or {}).items()})
    with store_errors():
        experiment_id = parent.experiment_id if experiment is None and parent is not None \
            else experiment_id_for(experiment)
        if fluent:
            nested = mlflow.active_run() is not None
            info = mlflow.start_run(experiment_id=experiment_id, run_name=run_name, nested=nested,
                                    tags=run_tags).info
        else:
            info = session.client().create_run(experiment_id, tags=run_tags, run_name=run_name).info
    try:
        handle = RunHandle(info.run_id, info.experiment_id, info.run_name, kind,
                           parent.run_id if parent else None, fluent)
        with _stack_lock:
            (_stack if stacked else _unstacked).append(handle)
        _start_heartbeat()
    except BaseException as exc:
        _abandon(info.run_id, fluent, status_for_exception(exc))
        raise
    return handle


def _abandon(run_id: str, fluent: bool, status: str) -> None:
    """End a run whose start failed half way (FAILED, KILLED when interrupted): none is left that nobody can end."""
    import mlflow

    with _stack_lock:
        for group in (_stack, _unstacked):
            group[:] = [h for h in group if h.run_id != run_id]
    try:
        active = mlflow.active_run()
        if fluent and active is not None and active.info.run_id == run_id:
            mlflow.end_run(status=status)
        else:
            session.client().set_terminated(run_id, status=status)
    except Exception:  # noqa: BLE001 - the store fails too: the reaper ends it at the next start
        pass


def attach_run(run_id: str, kind: str) -> RunHandle:
    """A handle on a run another process started (a pipeline step's run): we log, it ends it."""
    try:
        info = session.client().get_run(run_id).info
    except Exception:
        raise StoreError(f"cannot attach to run {run_id}: it is not in {session.settings().tracking_uri}") from None
    handle = RunHandle(info.run_id, info.experiment_id, info.run_name, kind, None, fluent=False, owned=False)
    with _stack_lock:
        _stack.append(handle)
    return handle


def active_runs() -> list[RunHandle]:
    """Our active runs, outermost first."""
    with _stack_lock:
        return list(_stack)


def active_run() -> RunHandle | None:
    """The innermost active run of ours, or None."""
    with _stack_lock:
        return _stack[-1] if _stack else None


def _end_unended() -> None:
    """Send and terminate the runs whose end the store refused earlier (it takes writes again)."""
    with _stack_lock:
        waiting = list(_unended)
        _unended.clear()
    for i, (handle, status) in enumerate(waiting):
        try:
            handle.flush()  # values the store refused with the end are kept until now
            with store_errors():
                handle._terminate(status)
        except Exception:  # noqa: BLE001 - still refused: try again at the next end or at exit
            with _stack_lock:
                _unended.extend(waiting[i:])
            return


def end_all_runs(status: str = "FINISHED") -> list[RunCard]:
    """End every active run of ours, innermost first (interpreter exit, unload, tests)."""
    _end_unended()
    cards = []
    with _stack_lock:
        handles = list(_unstacked) + list(_stack)
    for handle in reversed(handles):
        try:
            cards.append(handle.end(status))
        except Exception:  # noqa: BLE001 - at exit there is nobody to tell; keep ending the others
            _pop(handle)
    return cards


atexit.register(end_all_runs, "FINISHED")


def status_for_exception(exc: BaseException | None) -> str:
    """FINISHED, FAILED for an exception, KILLED for an interrupt."""
    if exc is None:
        return "FINISHED"
    if isinstance(exc, (KeyboardInterrupt, SystemExit)):
        return "KILLED"
    return "FAILED"


def format_traceback(exc: BaseException) -> str:
    return "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))


from .script_runs import track  # noqa: E402 - re-exported; it builds on everything above

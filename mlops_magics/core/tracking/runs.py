"""Run lifecycle with batched logging through the background writer.

A :class:`RunHandle` buffers params, metrics, tags and small text artifacts (cell source, traceback,
environment) and hands them to the background writer (:mod:`.writer`): at its end, at every 1000
metrics, at the end of each cell (:func:`hand_over_buffered`) and on :meth:`RunHandle.flush`. The writer
sends them with ``log_batch`` (MLflow's limits: 1000 metrics, 100 params, 100 tags a call) and one
``log_artifacts`` call, so a cell that logs 120 values costs one round trip instead of 120, after the
cell. :meth:`RunHandle.flush` and :meth:`RunHandle.end` wait for the writer unless told not to (a tracked
cell does not). A run always ends: :meth:`RunHandle.end` hands over its termination whatever happened
before, and :func:`end_all_runs` runs at interpreter exit.

A fluent run (a tracked cell's) is created with one ``MlflowClient.create_run`` and made MLflow's active
run without a round trip (:mod:`.mlflow_active`), so autolog and the user's own ``mlflow.log_*`` calls
write into it while the cell runs.

Public Python API: :class:`~.script_runs.track` (context manager and decorator, re-exported here)
and :func:`active_run`.
"""

from __future__ import annotations

import atexit
import functools
import getpass
import os
import socket
import sys
import threading
import time
import traceback
from typing import Any, Callable

from .. import names
from ..backend import session, tags
from ..backend.store_errors import store_errors
from ..errors import MlopsUsageError, StoreError
from ..names import short_repr as short
from . import mlflow_active, writer
from .experiments import experiment_id_for
from .batches import MAX_METRICS, Pending
from .capture import format_param
from .results import RunCard

__all__ = ["RunHandle", "active_run", "active_runs", "attach_run", "end_all_runs", "hand_over_buffered", "start_run",
           "track"]

_stack: list["RunHandle"] = []
_unstacked: list["RunHandle"] = []  # alive (heartbeat, ended at exit) but never "the active run"
_stack_lock = threading.RLock()
_valid_keys: set[tuple[str, str]] = set()  # (kind, key) checked once per process: keys repeat (every cell, step)
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
        self._artifact_uri: str | None = None
        self._lock = threading.RLock()
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
        """Buffer metric values (handed to the writer at the next flush, or now when 1000 are waiting)."""
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
            self._hand_over()

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
        text = key if type(key) is str else str(key)
        if (kind, text) not in _valid_keys:  # keys repeat (a metric per step, the same names every cell)
            names.check_key(kind, text)
            if len(_valid_keys) > 100_000:
                _valid_keys.clear()
            _valid_keys.add((kind, text))
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
        """Hand everything buffered to the background writer and wait until it is stored.

        An entry MLflow still refuses is left out and named in :attr:`warnings`, the others are stored.
        When the store fails (unreachable, disk full) the error is raised (a full disk as a one-line
        StoreError); the values are kept by the writer (and its spool) and retried.
        """
        write = self._hand_over()
        if write is not None:
            writer.wait(write)

    def _hand_over(self, end: tuple[str, int] | None = None, defer: bool = False) -> writer.Write | None:
        """Give the buffered entries (and the run's end) to the writer; None when there was nothing.
        ``defer``: the writer may wait for the end of the cell (see :meth:`.writer.Writer.submit`)."""
        from mlflow.entities import Param, RunTag

        with self._lock:
            params, metrics, run_tags, texts = self._params, self._metrics, self._tags, self._texts
            if not (params or metrics or run_tags or texts or end):
                return None
            self._params, self._metrics, self._tags, self._texts = {}, [], {}, {}
            self.logged_params.update(params)
        try:  # not holding the lock: a full queue makes this wait for the writer, which may need it
            pending = Pending([Param(k, v) for k, v in params.items()], metrics,
                              [RunTag(k, v) for k, v in run_tags.items()])
            return writer.get().submit(self.run_id, pending, texts, end, handle=self, defer=defer)
        except BaseException:  # nothing was handed over: keep it all (an interrupt, a closed writer)
            with self._lock:
                self._params = {**params, **self._params}
                self._metrics = metrics + self._metrics
                self._tags = {**run_tags, **self._tags}
                self._texts = {**texts, **self._texts}
            raise

    def _note(self, note: str) -> None:
        """A note of the writer about this run (an entry MLflow refused), kept with the run card too."""
        with self._lock:
            self.warnings.append(note)
            if self.ended is not None and note not in self.ended.warnings:
                self.ended.warnings.append(note)

    def _forget(self, left_out: Pending) -> None:
        """Entries MLflow refused are not in the run: not in the card either."""
        with self._lock:
            for param in left_out.params:
                if self.logged_params.get(param.key) == param.value:
                    self.logged_params.pop(param.key, None)
                    if self.ended is not None:
                        self.ended.params.pop(param.key, None)
            for metric in left_out.metrics:
                self.logged_metrics.pop(metric.key, None)
                if self.ended is not None:
                    self.ended.metrics.pop(metric.key, None)

    # -- the end ---------------------------------------------------------------------------
    def end(self, status: str = "FINISHED", wait: bool = True) -> RunCard:
        """Hand over what is buffered and the run's termination, and leave the run; with ``wait`` wait
        until the writer has stored them (a store failure raises, the writes are kept and retried).

        The run card is made from what was logged in this process (no read of the store).
        """
        if self.ended is not None:
            return self.ended
        write = None
        try:
            if self.fluent:
                mlflow_active.pop(self.run_id, status)  # MLflow's active run no more; no store write
            end = (status, int(time.time() * 1000)) if self.owned else None
            write = self._hand_over(end, defer=not wait)
        finally:
            _pop(self)
            with self._lock:
                self.ended = RunCard.from_handle(self, status)
        if wait and write is not None:
            writer.wait(write)
        return self.ended


def _pop(handle: RunHandle) -> None:
    with _stack_lock:
        for group in (_stack, _unstacked):
            if handle in group:
                group.remove(handle)
    # the heartbeat thread stays (idle without runs): starting a thread per tracked cell costs milliseconds


def _start_heartbeat() -> None:
    global _heartbeat
    from .reaper import Heartbeat

    if _heartbeat is None:
        _heartbeat = Heartbeat(session.client, lambda: [h.run_id for h in active_runs() + _unstacked])
    _heartbeat.start()


@functools.lru_cache(maxsize=1)
def _user_name() -> str | None:
    """The login name (looked up once: it costs a passwd lookup)."""
    try:
        return getpass.getuser()
    except Exception:  # noqa: BLE001 - no user name in some containers
        return None


def base_tags(kind: str, notebook: str | None = None) -> dict[str, str]:
    """Tags every run of ours carries (identity, liveness, source)."""
    values = {
        tags.CLIENT: tags.CLIENT_NAME,
        tags.KIND: kind,
        tags.HOST: socket.gethostname(),
        tags.PID: str(os.getpid()),
        tags.HEARTBEAT: f"{time.time():.0f}",
    }
    user = _user_name()
    if user:
        values[tags.USER] = user
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
        if fluent:  # the tags mlflow.start_run would give it: its context's, and its active run as parent
            active = mlflow.active_run()
            if active is not None:
                run_tags[tags.PARENT] = active.info.run_id
            run_tags = {**mlflow_active.context_tags(), **run_tags}
        run = session.client().create_run(experiment_id, tags=run_tags, run_name=run_name)
        info = run.info
    try:
        if fluent:
            mlflow_active.push(run)
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
    with _stack_lock:
        for group in (_stack, _unstacked):
            group[:] = [h for h in group if h.run_id != run_id]
    try:
        if fluent:
            mlflow_active.pop(run_id, status)
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


def hand_over_buffered() -> None:
    """Hand every live run's buffered values to the writer (after each cell: a kernel killed later loses
    at most what the cell running then logged)."""
    with _stack_lock:
        handles = list(_stack) + list(_unstacked)
    for handle in handles:
        handle._hand_over()


def end_all_runs(status: str = "FINISHED", timeout: float | None = 60) -> list[RunCard]:
    """End every active run of ours, innermost first, and wait (up to ``timeout`` s) until the writer has
    stored everything (interpreter exit, unload, tests)."""
    cards = []
    with _stack_lock:
        handles = list(_unstacked) + list(_stack)
    for handle in reversed(handles):
        try:
            cards.append(handle.end(status, wait=False))
        except Exception:  # noqa: BLE001 - at exit there is nobody to tell; keep ending the others
            _pop(handle)
    writer.drain(timeout)  # what the store refuses stays in the spool: the next start replays it
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

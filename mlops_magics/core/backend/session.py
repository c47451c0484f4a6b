"""Process-wide state: the resolved settings, the warm-up and the MLflow client.

``%load_ext`` calls :func:`start_warmup`, which imports MLflow, creates the embedded store when it
is missing and runs the warm-up tasks the capabilities above registered with :func:`add_warmup_task`
(tracking ends runs left RUNNING by dead kernels), all in a background thread while the user types.
Every command that needs the store calls :func:`ready`, which waits for that work (usually long
finished) and re-raises its error as a one-line :class:`StoreError`. The backend imports nothing from
the capabilities that stand on it: they register their tasks, reset hooks and read barriers here.

:func:`client` is the client every read of ours goes through: before a call that reads runs (their
values, artifacts) it calls the read barriers (tracking's: wait until the background writer has stored
what this process logged), so a listing, a comparison or a registration always sees every value.
"""

from __future__ import annotations

import threading
from concurrent.futures import Future
from typing import TYPE_CHECKING, Any, Callable

from .settings import Settings, load_settings
from ..errors import MlopsError, StoreError, first_line

if TYPE_CHECKING:  # pragma: no cover
    from mlflow import MlflowClient

__all__ = ["READS", "add_read_barrier", "add_reset_hook", "add_warmup_task", "client", "new_client", "ready", "reset",
           "settings", "start_warmup", "warnings"]

_lock = threading.RLock()
_settings: Settings | None = None
_warmup: Future | None = None
_client: Any = None
_applied: Settings | None = None  # the settings whose URIs MLflow's fluent API was last pointed at
# (name, task(settings, client)) run by the warm-up after the store is ready; a task that raises is a warning
_tasks: list[tuple[str, Callable[[Settings, Any], None]]] = []
_reset_hooks: list[Callable[[], None]] = []
_read_barriers: list[Callable[[], None]] = []
_client_class: Any = None
# MlflowClient methods that read runs' values or artifacts: the read barriers run before each
READS = frozenset({"get_run", "get_parent_run", "search_runs", "get_metric_history", "list_artifacts",
                   "download_artifacts"})


def add_warmup_task(name: str, task: Callable[[Settings, Any], None]) -> None:
    """Run ``task(settings, client)`` in every warm-up (idempotent by ``name``).

    A task registered after a warm-up has finished runs at the next one (after :func:`reset`).
    """
    with _lock:
        if all(existing != name for existing, _ in _tasks):
            _tasks.append((name, task))


def add_reset_hook(hook: Callable[[], None]) -> None:
    """Call ``hook()`` first thing in :func:`reset` (e.g. end the runs this process has open)."""
    with _lock:
        if hook not in _reset_hooks:
            _reset_hooks.append(hook)


def add_read_barrier(barrier: Callable[[], None]) -> None:
    """Call ``barrier()`` before every read of runs through :func:`client` (idempotent)."""
    with _lock:
        if barrier not in _read_barriers:
            _read_barriers.append(barrier)


def _before_read() -> None:
    for barrier in list(_read_barriers):
        barrier()


def settings() -> Settings:
    """The configuration of the current project (resolved once per session)."""
    global _settings
    with _lock:
        if _settings is None:
            _settings = load_settings()
        return _settings


def _check_server(uri: str) -> None:
    """Fail fast, in one line, when a tracking server does not answer (MLflow would retry for minutes)."""
    import urllib.error
    import urllib.request

    try:
        urllib.request.urlopen(uri.rstrip("/") + "/health", timeout=5).close()
    except urllib.error.HTTPError:
        return  # it answered: a proxy or an auth layer in front of it, MLflow will say more
    except OSError as exc:
        reason = getattr(exc, "reason", exc)
        raise StoreError(
            f"cannot reach the tracking server at {uri} ({reason}); start it, or unset "
            "MLFLOW_TRACKING_URI to use the embedded store"
        ) from None


def _warm(conf: Settings) -> list[str]:
    import mlflow  # noqa: F401 - the point of the warm-up: pay for this import while the user types

    from . import embedded

    if conf.embedded:
        embedded.prepare_embedded_store(conf)
        embedded.tune_connections(conf.db_path)
    elif conf.tracking_uri.startswith(("http://", "https://")):
        _check_server(conf.tracking_uri)
    problems: list[str] = []
    with _lock:
        tasks = list(_tasks)
    if tasks:
        client = new_client(conf, reads_wait=False)
        for name, task in tasks:
            try:
                task(conf, client)
            except Exception as exc:  # noqa: BLE001 - the store is still usable; say what was skipped
                problems.append(f"could not {name}: {first_line(exc)}")
    return problems


def _reading_client_class() -> Any:
    """``MlflowClient`` whose run reads (:data:`READS`) first pass the read barriers."""
    global _client_class
    if _client_class is None:
        from mlflow import MlflowClient

        class ReadingClient(MlflowClient):
            def __getattribute__(self, name: str) -> Any:
                if name in READS:
                    _before_read()
                return super().__getattribute__(name)

        _client_class = ReadingClient
    return _client_class


def new_client(conf: Settings, reads_wait: bool = True) -> MlflowClient:
    """A new ``MlflowClient`` on the store of ``conf``; with ``reads_wait`` its run reads first wait for
    the read barriers (see :func:`client`), without it is MLflow's plain client (the writer's own)."""
    if reads_wait:
        return _reading_client_class()(tracking_uri=conf.tracking_uri, registry_uri=conf.registry_uri)
    from mlflow import MlflowClient

    return MlflowClient(tracking_uri=conf.tracking_uri, registry_uri=conf.registry_uri)


def start_warmup() -> Future:
    """Begin preparing the store in a background thread (idempotent)."""
    global _warmup
    with _lock:
        if _warmup is None:
            conf = settings()
            future: Future = Future()

            def work() -> None:
                try:
                    outcome = _warm(conf)
                except BaseException as exc:  # surfaced by ready(), never in the background
                    future.set_exception(exc)
                else:
                    future.set_result(outcome)

            threading.Thread(target=work, name="mlops-warmup", daemon=True).start()
            _warmup = future
        return _warmup


def ready() -> Settings:
    """Wait until the store is usable; return the settings."""
    conf = settings()
    future = start_warmup()
    try:
        future.result()
    except MlopsError:
        raise
    except Exception as exc:
        raise StoreError(
            f"the tracking store at {conf.tracking_uri} is not usable: {first_line(exc)}"
        ) from None
    _apply_uris(conf)
    return conf


def _apply_uris(conf: Settings) -> None:
    """Point MLflow's fluent API (autolog, the user's own mlflow calls) at our store.

    Done here, on the caller's thread, never by the warm-up thread: a warm-up of settings that
    were since replaced must not redirect MLflow to the old store.
    """
    global _applied
    if _applied is conf:
        return
    import os

    import mlflow

    # MLflow also exports the URIs as environment variables; keep the environment as the user set
    # it, or every later settings resolution (and every kernel we start) would take our embedded
    # store for a server the user configured.
    saved = {k: os.environ.get(k) for k in ("MLFLOW_TRACKING_URI", "MLFLOW_REGISTRY_URI")}
    try:
        mlflow.set_tracking_uri(conf.tracking_uri)
        mlflow.set_registry_uri(conf.registry_uri)
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    _applied = conf


def client() -> MlflowClient:
    """An ``MlflowClient`` on the project's store (after :func:`ready`); its run reads see every value this
    process logged (they pass the read barriers first)."""
    global _client
    conf = ready()
    with _lock:
        if _client is None:
            _client = new_client(conf)
        return _client


def warnings() -> list[str]:
    """Problems the warm-up met that did not stop the store from working."""
    future = _warmup
    if future is None or not future.done() or future.exception() is not None:
        return []
    return list(future.result())


def reset() -> None:
    """End every run this process has open and forget the settings (tests, project switches)."""
    global _settings, _warmup, _client, _applied
    with _lock:
        hooks = list(_reset_hooks)
    for hook in hooks:
        hook()
    with _lock:
        _settings = None
        _warmup = None
        _client = None
        _applied = None


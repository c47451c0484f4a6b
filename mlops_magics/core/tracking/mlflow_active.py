"""Making a run we created MLflow's active run, and leaving it, without a round trip to the store.

``mlflow.start_run()`` resolves its context tags (user, source, git commit: tens of ms the first time) and
creates the run; ``mlflow.start_run(run_id=...)`` reads it back and rewrites its status; ``mlflow.end_run()``
terminates it on the spot. A tracked cell needs none of that: the run is created with one
``MlflowClient.create_run`` (with the context tags MLflow would add, resolved once per process), pushed on
MLflow's active-run stack for the cell (autolog and the user's own ``mlflow.log_*`` write into it), popped
at the end, and terminated by the background writer.

MLflow has no public API to push or pop that stack, so this module uses ``mlflow.tracking.fluent``'s
``_active_run_stack`` and ``_last_active_run_id``; when they are missing (a future MLflow), or when
MLflow's system metrics logging is on (its monitor starts in ``start_run``), it falls back to the public
``start_run(run_id=...)`` / ``end_run()``.
"""

from __future__ import annotations

import threading
from typing import Any

__all__ = ["context_tags", "pop", "push"]

_context: dict[str, str] | None = None
_lock = threading.Lock()


def context_tags() -> dict[str, str]:
    """The tags MLflow's context providers add to a run started here (resolved once per process)."""
    global _context
    if _context is None:
        with _lock:
            if _context is None:
                try:
                    from mlflow.tracking.context.registry import resolve_tags

                    _context = {str(k): str(v) for k, v in resolve_tags({}).items()}
                except Exception:  # noqa: BLE001 - a broken context plugin: the run just lacks its tags
                    _context = {}
    return dict(_context)


def _stack() -> Any:
    """MLflow's thread-local active-run stack, or None when this MLflow has none we can use."""
    from mlflow.environment_variables import MLFLOW_ENABLE_SYSTEM_METRICS_LOGGING
    from mlflow.tracking import fluent

    if MLFLOW_ENABLE_SYSTEM_METRICS_LOGGING.get():
        return None
    stack = getattr(fluent, "_active_run_stack", None)
    if stack is None or not hasattr(stack, "get") or not hasattr(fluent, "_last_active_run_id"):
        return None
    return stack


def push(run: Any) -> None:
    """Make ``run`` (an ``mlflow.entities.Run`` just created) MLflow's active run in this thread."""
    import mlflow

    stack = _stack()
    if stack is None:
        nested = mlflow.active_run() is not None
        mlflow.start_run(run_id=run.info.run_id, nested=nested)
        return
    stack.get().append(mlflow.ActiveRun(run))


def pop(run_id: str, status: str) -> bool:
    """Leave ``run_id`` if it is MLflow's active run; True when it was. Without the private stack this is
    ``mlflow.end_run(status)``, which also terminates the run in the store."""
    import mlflow

    active = mlflow.active_run()
    if active is None or active.info.run_id != run_id:
        return False
    stack = _stack()
    if stack is None:
        mlflow.end_run(status=status)
        return True
    from mlflow.tracking import fluent

    stack.get().pop()
    fluent._last_active_run_id.set(run_id)
    return True

"""Autologging of every ML framework MLflow supports, scoped to tracked cells.

MLflow's ``<flavor>.autolog()`` patches a framework globally, and a patched ``fit`` outside any run
starts a run of its own, so untracked cells would spawn runs. Turning autolog on and off with the
public call costs ~40 ms a time (it re-patches every class), so each flavor is enabled once, the
first time a tracked cell runs with its framework imported, and then toggled with MLflow's own
per-flavor ``disable`` switch, which the patched functions read at call time.

No framework is ever imported here: a flavor is considered only when its framework is in
``sys.modules``, or when it gets imported inside a tracked cell (MLflow's post-import hooks, the way
``mlflow.autolog()`` does it). A flavor the user configured themselves (``mlflow.autolog()``,
``mlflow.lightgbm.autolog(...)``) is left exactly as they set it.

GenAI integrations (OpenAI, LangChain, ...) are not included: they record traces, not training runs.
"""

from __future__ import annotations

import contextlib
import importlib
import inspect
import sys
import threading
import warnings
from typing import Any, Iterator

from ..errors import first_line

__all__ = ["FLAVORS", "autolog_scope", "enabled_flavors"]

# framework module -> MLflow module whose autolog() covers it (mlflow.autolog()'s table, ML part)
FLAVORS: dict[str, str] = {
    "sklearn": "mlflow.sklearn",
    "xgboost": "mlflow.xgboost",
    "lightgbm": "mlflow.lightgbm",
    "statsmodels": "mlflow.statsmodels",
    "keras": "mlflow.keras",
    "tensorflow": "mlflow.tensorflow",
    "pytorch_lightning": "mlflow.pytorch",
    "lightning": "mlflow.pytorch",
    "pyspark.ml": "mlflow.pyspark.ml",
    "transformers": "mlflow.transformers",
    "setfit": "mlflow.transformers",
}
# fast and quiet: no model files, datasets, examples or checkpoints (``%mlops register`` logs models)
_SETTINGS = {"log_models": False, "log_datasets": False, "log_input_examples": False,
             "log_model_signatures": False, "checkpoint": False, "silent": True}

_lock = threading.RLock()
_ours: set[str] = set()  # integration names we enabled (and so may switch on and off)
_depth = 0  # tracked cells running (nested: a cell inside a notebook run inside ...)
_hooks_registered = False
_failed: dict[str, str] = {}  # framework -> why its autolog could not be enabled (said once)


def _integrations() -> dict[str, Any]:
    from mlflow.utils.autologging_utils import AUTOLOGGING_INTEGRATIONS

    return AUTOLOGGING_INTEGRATIONS


def _set_disabled(integration: str, disabled: bool) -> None:
    config = _integrations().get(integration)
    if config is not None:
        config["disable"] = disabled


def _enable(library: str) -> None:
    """Switch the flavor of ``library`` on (autolog()ing it the first time), unless the user owns it."""
    autolog = importlib.import_module(FLAVORS[library]).autolog
    name = getattr(autolog, "integration_name", library)
    with _lock:
        if name in _ours:
            _set_disabled(name, False)
            return
        if _integrations().get(name):  # MLflow registers an empty config; a filled one is the user's
            return  # their own autolog configuration: theirs to switch
        accepted = inspect.signature(autolog).parameters
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            autolog(**{k: v for k, v in _SETTINGS.items() if k in accepted})
        _ours.add(name)


def _on_import(module: Any) -> None:
    """MLflow's post-import hook: a framework imported inside a tracked cell is autologged at once."""
    with _lock:
        if _depth == 0:
            return  # outside tracked cells nothing happens; the next tracked cell picks it up
    try:
        _enable(module.__name__)
    except Exception:  # noqa: BLE001 - an import in the user's cell must never fail because of us
        pass


def _register_hooks() -> None:
    global _hooks_registered
    if _hooks_registered:
        return
    from mlflow.utils.import_hooks import register_post_import_hook

    _hooks_registered = True
    for library in FLAVORS:
        if library not in sys.modules:  # an imported one is enabled by the scope directly
            register_post_import_hook(_on_import, library, overwrite=True)


def enabled_flavors() -> list[str]:
    """The integrations we switched on (for the run card and tests)."""
    with _lock:
        return sorted(_ours)


@contextlib.contextmanager
def autolog_scope(enabled: bool) -> Iterator[list[str]]:
    """Autolog every imported framework inside the block (into MLflow's active run); yields the
    integrations that could not be enabled, as warnings."""
    global _depth
    problems: list[str] = []
    if not enabled:
        yield problems
        return
    _register_hooks()  # cheap: the run that encloses this block has loaded MLflow already
    with _lock:
        _depth += 1
    try:
        for library in [lib for lib in FLAVORS if lib in sys.modules and lib not in _failed]:
            try:
                _enable(library)
            except Exception as exc:  # noqa: BLE001 - one broken integration must not stop the cell
                _failed[library] = first_line(exc)
                problems.append(f"autolog of {library} is off in this session: {_failed[library]}")
        with warnings.catch_warnings():
            # MLflow's post-training metrics call scikit-learn with a renamed argument; the
            # warning is about MLflow's code, not the user's, so it is not shown in their cell.
            warnings.filterwarnings("ignore", message=r".*`y_pred` was renamed to `y_proba`", category=FutureWarning)
            yield problems
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0:
                for name in _ours:
                    _set_disabled(name, True)
